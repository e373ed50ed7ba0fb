/**
 * Experience sessions on both ledger drivers (real Postgres in a fresh schema, PGlite): the
 * migration applied twice, the UPDATE_SESSION_LEG state machine through the connector and the
 * real executor (the action ends FAILED with the connector's code), the compare-and-set under
 * concurrency, and the HTTP API (create, read with roles and ownership, admin override).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../bridges/errors.ts';
import { SessionsConnector } from '../../connectors/sessions.ts';
import { EventBus } from '../../daemon/core/events.ts';
import type { ExecutionContext } from '../../daemon/core/types.ts';
import type { SqlDriver } from '../../daemon/ledger/driver.ts';
import { openPgliteDriver } from '../../daemon/ledger/pglite.ts';
import { openPostgresDriver } from '../../daemon/ledger/postgres.ts';
import { SqlLedger } from '../../daemon/ledger/sql-ledger.ts';
import { runConnector } from '../../daemon/pipeline/executor.ts';
import { OPEN_GATE } from '../../daemon/pipeline/gate.ts';
import { Recorder } from '../../daemon/pipeline/recorder.ts';
import { apiFixture } from '../support/api-fixture.ts';
import { freshSchema, requirePostgres } from '../support/pg.ts';

const MIGRATION = resolve(
  import.meta.dirname,
  '../../supabase/migrations/20261121140000_experience_sessions.sql',
);

interface Backend {
  ledger: SqlLedger;
  driver: SqlDriver;
  cleanup(): Promise<void>;
}

const backends: { name: string; open: () => Promise<Backend> }[] = [
  {
    name: 'postgres',
    async open() {
      await requirePostgres();
      const db = await freshSchema();
      const driver = openPostgresDriver({ databaseUrl: db.databaseUrl, schema: db.schema });
      const ledger = new SqlLedger(driver, { schema: db.schema });
      await ledger.migrate();
      return {
        ledger,
        driver,
        async cleanup() {
          await ledger.close();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    async open() {
      const driver = await openPgliteDriver({});
      const ledger = new SqlLedger(driver);
      await ledger.migrate();
      return { ledger, driver, cleanup: () => ledger.close() };
    },
  },
];

let seq = 0;
const uid = (p: string): string => `${p}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
const ctx = (agentId: string, actionId = uid('act')): ExecutionContext => ({
  agentId,
  actionId,
  signal: new AbortController().signal,
});
const move = (sessionId: string, legId: string, status: string, reason?: string) => ({
  action_id: uid('mv'),
  command_type: 'UPDATE_SESSION_LEG',
  params: { session_id: sessionId, leg_id: legId, status, ...(reason ? { reason } : {}) },
});

async function refusal(p: Promise<unknown>): Promise<ConnectorError> {
  const err = await p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorError)) throw err;
  return err;
}

describe.each(backends)('$name sessions', ({ open }) => {
  let b: Backend;
  let connector: SessionsConnector;
  beforeAll(async () => {
    b = await open();
    connector = new SessionsConnector({ store: b.ledger.sessions });
  }, 60_000);
  afterAll(() => b.cleanup());

  async function session(legs = ['stay', 'dinner'], owner = 'agent-a'): Promise<string> {
    const sessionId = uid('s');
    const r = await b.ledger.sessions.createSession({
      sessionId,
      ownerAgentId: owner,
      createdBy: 'root',
      legs: legs.map((legId) => ({ legId })),
    });
    expect(r.created).toBe(true);
    return sessionId;
  }

  it('the migration is safe to apply twice', async () => {
    const sql = readFileSync(MIGRATION, 'utf8');
    await b.driver.exec(sql);
    await b.driver.exec(sql);
    const s = await session(['x']);
    expect((await b.ledger.sessions.getSession(s))?.legs.map((l) => l.status)).toEqual(['pending']);
  });

  it('moves a leg pending → ready → in_customization → committed, and refuses other moves naming both statuses', async () => {
    const s = await session();
    const ok = await connector.execute(move(s, 'stay', 'ready', 'supplier confirmed'), ctx('agent-a'));
    expect(ok).toEqual({
      status: 'success',
      session_id: s,
      leg_id: 'stay',
      from: 'pending',
      to: 'ready',
      version: 2,
    });

    const skip = await refusal(connector.execute(move(s, 'stay', 'committed'), ctx('agent-a')));
    expect(skip).toMatchObject({ code: 'INVALID_TRANSITION', retryable: false, connector: 'sessions' });
    expect(skip.message).toContain('cannot move from ready to committed');
    expect(skip.message).toContain('may move to in_customization or failed');

    await connector.execute(move(s, 'stay', 'in_customization'), ctx('agent-a'));
    await connector.execute(move(s, 'stay', 'committed'), ctx('agent-a'));
    const back = await refusal(connector.execute(move(s, 'stay', 'failed'), ctx('agent-a')));
    expect(back.code).toBe('INVALID_TRANSITION');
    expect(back.message).toContain('from committed to failed');
    expect(back.message).toContain('terminal');

    expect(await connector.execute(move(s, 'dinner', 'failed', 'sold out'), ctx('agent-a'))).toMatchObject({
      from: 'pending',
      to: 'failed',
    });
    expect((await refusal(connector.execute(move(s, 'dinner', 'ready'), ctx('agent-a')))).message).toContain(
      'from failed to ready',
    );
    expect((await refusal(connector.execute(move(s, 'dinner', 'failed'), ctx('agent-a')))).code).toBe(
      'INVALID_TRANSITION',
    );

    const stored = await b.ledger.sessions.getSession(s);
    expect(stored?.legs.map((l) => [l.legId, l.status, l.version])).toEqual([
      ['stay', 'committed', 4],
      ['dinner', 'failed', 2],
    ]);
    expect(stored?.legs[1]?.lastReason).toBe('sold out');
    expect(stored?.legs[0]?.updatedBy).toMatch(/^agent\/agent-a\//);
  });

  it("another agent's session and a missing leg both read as NOT_FOUND", async () => {
    const s = await session();
    const other = await refusal(connector.execute(move(s, 'stay', 'ready'), ctx('agent-b')));
    expect(other.code).toBe('NOT_FOUND');
    expect((await refusal(connector.execute(move(s, 'nope', 'ready'), ctx('agent-a')))).code).toBe(
      'NOT_FOUND',
    );
    expect((await refusal(connector.execute(move('no-such', 'stay', 'ready'), ctx('agent-a')))).code).toBe(
      'NOT_FOUND',
    );
    expect((await b.ledger.sessions.getSession(s))?.legs[0]?.status).toBe('pending');
  });

  it('compare-and-set: of concurrent moves from one status, exactly one wins', async () => {
    const s = await session(['race']);
    await connector.execute(move(s, 'race', 'ready'), ctx('agent-a'));
    const targets = [
      'in_customization',
      'failed',
      'in_customization',
      'failed',
      'in_customization',
      'failed',
    ] as const;
    const direct = await Promise.all(
      targets.map((to, i) =>
        b.ledger.sessions.setLegStatus({
          sessionId: s,
          legId: 'race',
          from: 'ready',
          to,
          reason: null,
          updatedBy: `t${i}`,
        }),
      ),
    );
    expect(direct.filter((r) => r !== undefined)).toHaveLength(1);
    const winner = direct.find((r) => r !== undefined)!;
    expect(winner.version).toBe(3);

    const s2 = await session(['race']);
    await connector.execute(move(s2, 'race', 'ready'), ctx('agent-a'));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        connector.execute(move(s2, 'race', 'in_customization'), ctx('agent-a')),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect(['CONFLICT', 'INVALID_TRANSITION']).toContain((r.reason as ConnectorError).code);
    }
    expect((await b.ledger.sessions.getSession(s2))?.legs[0]).toMatchObject({
      status: 'in_customization',
      version: 3,
    });
  });

  it('through the executor, a refused move ends the action FAILED with ORC_ERR_CONNECTOR_INVALID_TRANSITION', async () => {
    const s = await session(['stay']);
    const bus = new EventBus();
    const rec = new Recorder(b.ledger, bus);
    const run = async (status: string) => {
      const command = move(s, 'stay', status);
      await b.ledger.createAction({
        agentId: 'agent-a',
        actionId: command.action_id,
        commandType: command.command_type,
        command,
        payloadHash: 'f'.repeat(64),
        queue: 'q',
      });
      await b.ledger.advance(
        'agent-a',
        command.action_id,
        [
          { to: 'EVALUATING', payload: {} },
          { to: 'ALLOWED', payload: {} },
          { to: 'EXECUTING', payload: {} },
        ],
        { from: ['QUEUED'] },
      );
      const action = (await b.ledger.getAction('agent-a', command.action_id))!;
      await runConnector(rec, bus, action, command, connector, OPEN_GATE);
      return (await b.ledger.getAction('agent-a', command.action_id))!;
    };
    const bad = await run('committed');
    expect(bad.status).toBe('FAILED');
    expect(bad.error?.code).toBe('ORC_ERR_CONNECTOR_INVALID_TRANSITION');
    expect(bad.error?.message).toContain('cannot move from pending to committed');
    const good = await run('ready');
    expect(good.status).toBe('SUCCESS');
    expect(good.result).toMatchObject({ from: 'pending', to: 'ready' });
  });

  describe('HTTP API', () => {
    const f = () => apiFixture({ sessions: b.ledger.sessions });

    it('admins create sessions; nobody else can; ids and legs are checked', async () => {
      const api = f();
      const body = {
        session_id: uid('api'),
        owner_agent_id: 'agent-a',
        legs: [{ leg_id: 'stay', kind: 'lodging' }, { leg_id: 'tour' }],
      };
      const created = await api.app.inject({
        method: 'POST',
        url: '/v1/admin/sessions',
        headers: api.auth('admin'),
        payload: body,
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        session_id: body.session_id,
        owner_agent_id: 'agent-a',
        created_by: 'root',
        legs: [
          { leg_id: 'stay', kind: 'lodging', status: 'pending', version: 1 },
          { leg_id: 'tour', kind: 'leg', status: 'pending' },
        ],
        overrides: [],
      });
      const again = await api.app.inject({
        method: 'POST',
        url: '/v1/admin/sessions',
        headers: api.auth('admin'),
        payload: body,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('ORC_ERR_SESSION_ALREADY_EXISTS');
      const byOncall = await api.app.inject({
        method: 'POST',
        url: '/v1/admin/sessions',
        headers: api.auth('oncall'),
        payload: { ...body, session_id: uid('x') },
      });
      expect(byOncall.statusCode).toBe(403);
      const dup = await api.app.inject({
        method: 'POST',
        url: '/v1/admin/sessions',
        headers: api.auth('admin'),
        payload: { ...body, session_id: uid('d'), legs: [{ leg_id: 'a' }, { leg_id: 'a' }] },
      });
      expect(dup.statusCode).toBe(400);
      expect(dup.json().error.code).toBe('ORC_ERR_SESSION_DUPLICATE_LEG');
      const badId = await api.app.inject({
        method: 'POST',
        url: '/v1/admin/sessions',
        headers: api.auth('admin'),
        payload: { ...body, session_id: 'no spaces' },
      });
      expect(badId.statusCode).toBe(400);
      await api.close();
    });

    it('GET /v1/sessions/:id: staff and the owning agent read it; other agents get 404', async () => {
      const api = f();
      const s = await session(['stay']);
      for (const who of ['oncall', 'security', 'admin', 'agentA'] as const) {
        const res = await api.app.inject({ method: 'GET', url: `/v1/sessions/${s}`, headers: api.auth(who) });
        expect(res.statusCode, who).toBe(200);
        expect(res.json()).toMatchObject({
          session_id: s,
          owner_agent_id: 'agent-a',
          legs: [{ leg_id: 'stay', status: 'pending' }],
        });
      }
      const other = await api.app.inject({
        method: 'GET',
        url: `/v1/sessions/${s}`,
        headers: api.auth('agentB'),
      });
      expect(other.statusCode).toBe(404);
      expect(other.json().error.code).toBe('ORC_ERR_SESSION_NOT_FOUND');
      expect(
        (await api.app.inject({ method: 'GET', url: '/v1/sessions/missing-1', headers: api.auth('admin') }))
          .statusCode,
      ).toBe(404);
      expect((await api.app.inject({ method: 'GET', url: `/v1/sessions/${s}` })).statusCode).toBe(401);
      await api.close();
    });

    it('an admin override records admin, old status, new status and reason; the reason is required', async () => {
      const api = f();
      const s = await session(['stay', 'tour']);
      await connector.execute(move(s, 'stay', 'ready'), ctx('agent-a'));
      await connector.execute(move(s, 'stay', 'in_customization'), ctx('agent-a'));
      await connector.execute(move(s, 'stay', 'committed'), ctx('agent-a'));
      const url = `/v1/admin/sessions/${s}/legs/stay/override`;
      for (const payload of [
        { status: 'ready' },
        { status: 'ready', reason: '' },
        { status: 'ready', reason: '   ' },
        { status: 'shipped', reason: 'x' },
      ]) {
        const res = await api.app.inject({ method: 'POST', url, headers: api.auth('admin'), payload });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      }
      for (const who of ['agentA', 'oncall', 'security'] as const) {
        const res = await api.app.inject({
          method: 'POST',
          url,
          headers: api.auth(who),
          payload: { status: 'ready', reason: 'x' },
        });
        expect(res.statusCode).toBe(403);
      }
      const res = await api.app.inject({
        method: 'POST',
        url,
        headers: api.auth('admin'),
        payload: { status: 'ready', reason: 'customer changed dates; supplier re-opened the booking' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        leg: { leg_id: 'stay', status: 'ready', version: 5, updated_by: 'admin/root' },
        override: {
          leg_id: 'stay',
          admin: 'root',
          old_status: 'committed',
          new_status: 'ready',
          reason: 'customer changed dates; supplier re-opened the booking',
        },
      });
      // The state machine applies again from the overridden status.
      await connector.execute(move(s, 'stay', 'in_customization'), ctx('agent-a'));
      const read = await api.app.inject({
        method: 'GET',
        url: `/v1/sessions/${s}`,
        headers: api.auth('agentA'),
      });
      expect(read.json().legs[0]).toMatchObject({ leg_id: 'stay', status: 'in_customization' });
      expect(read.json().overrides).toEqual([
        expect.objectContaining({ admin: 'root', old_status: 'committed', new_status: 'ready' }),
      ]);
      const missingLeg = await api.app.inject({
        method: 'POST',
        url: `/v1/admin/sessions/${s}/legs/nope/override`,
        headers: api.auth('admin'),
        payload: { status: 'ready', reason: 'x' },
      });
      expect(missingLeg.statusCode).toBe(404);
      expect(missingLeg.json().error.code).toBe('ORC_ERR_SESSION_LEG_NOT_FOUND');
      // The audit trail cannot be edited through SQL.
      await expect(
        b.driver.query("update experience_session_leg_overrides set reason = 'edited'"),
      ).rejects.toThrow();
      await api.close();
    });
  });
});
