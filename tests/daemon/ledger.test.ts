/**
 * One suite, two real stores: PostgreSQL (a fresh schema per test) and PGlite (a fresh in-memory
 * database per test). Whatever the pipeline relies on — idempotent create, compare-and-set
 * transitions, append-only events, history counts, fail-closed errors — must hold on both.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_STATUSES, type ActionStatus, type Ledger, type NewAction } from '../../daemon/core/types.ts';
import { LedgerErrors } from '../../daemon/errors/ledger.ts';
import { OrchestratorError } from '../../daemon/errors/registry.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import type { SqlDriver } from '../../daemon/ledger/driver.ts';
import { redact, secretsOf, toLedgerError } from '../../daemon/ledger/errors.ts';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../../daemon/ledger/migrate.ts';
import { openPgliteDriver } from '../../daemon/ledger/pglite.ts';
import { openPostgresDriver } from '../../daemon/ledger/postgres.ts';
import { SqlLedger } from '../../daemon/ledger/sql-ledger.ts';
import { closedPort, freshSchema, requirePostgres, TEST_DATABASE_URL } from '../support/pg.ts';

interface Store {
  readonly ledger: Ledger;
  /** Raw SQL on the same store, for what the Ledger interface deliberately cannot do. */
  readonly driver: SqlDriver;
  readonly schema: string | undefined;
  /** What the first `migrate()` returned (empty when opened with `migrated: false`). */
  readonly applied: string[];
  cleanup(): Promise<void>;
}

let emptyDb: Promise<Blob | File> | undefined;
/** A dump of an empty PGlite database, made once per file. */
function snapshot(): Promise<Blob | File> {
  emptyDb ??= (async () => {
    const template = await PGlite.create();
    try {
      return await template.dumpDataDir('none');
    } finally {
      await template.close();
    }
  })();
  return emptyDb;
}

const backends: { name: 'postgres' | 'pglite'; open: (migrated?: boolean) => Promise<Store> }[] = [
  {
    name: 'postgres',
    async open(migrated = true) {
      const db = await freshSchema();
      const driver = openPostgresDriver({ databaseUrl: db.databaseUrl, schema: db.schema });
      const ledger = new SqlLedger(driver, { schema: db.schema });
      const applied = migrated ? await ledger.migrate() : [];
      return {
        ledger,
        driver,
        schema: db.schema,
        applied,
        async cleanup() {
          await ledger.close();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'pglite',
    async open(migrated = true) {
      // A fresh in-memory database per test, started from a snapshot of an empty one: a new
      // PGlite otherwise spends seconds in initdb.
      const driver = await openPgliteDriver({ pglite: { loadDataDir: await snapshot() } });
      const ledger = new SqlLedger(driver);
      const applied = migrated ? await ledger.migrate() : [];
      return { ledger, driver, schema: undefined, applied, cleanup: () => ledger.close() };
    },
  },
];

let seq = 0;
function action(over: Partial<NewAction> & { service?: string } = {}): NewAction {
  const actionId = over.actionId ?? `act-${++seq}`;
  const commandType = over.commandType ?? 'CONNECT_INTEGRATION';
  const { service = 'shopify', ...rest } = over;
  return {
    agentId: 'agent-a',
    actionId,
    commandType,
    command: {
      action_id: actionId,
      command_type: commandType,
      params: { service, scopes: ['read_orders', 'write_products'] },
      severity: 'LOW',
      metadata: { note: 'ünïcode ✓', nested: { list: [1, { two: 2 }] } },
    },
    payloadHash: 'a'.repeat(64),
    queue: 'agent-commands',
    ...rest,
  };
}

/** The rejection of `p`, which must be an OrchestratorError. */
async function rejection(p: Promise<unknown>): Promise<OrchestratorError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OrchestratorError);
    return err as OrchestratorError;
  }
  throw new Error('expected a rejection');
}

/** An allow decision as the policy engine returns it (advance and createAdvanced record it). */
const decision = {
  action: 'allow' as const,
  risk: 'LOW' as const,
  reasons: ['low risk'],
  alert: null,
  revision: 'r'.repeat(64),
  explanation: [{ rule: 'data.orchestrator.decision', file: 'policies/orchestrator.rego', line: 12 }],
  evalMicros: 17.4,
};

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(backends)('$name ledger', ({ name, open }) => {
  let s: Store;
  // Hooks get the test timeout rather than vitest's 10 s hook default: the first PGlite start
  // compiles the WebAssembly module and runs initdb, which takes seconds on a busy machine.
  beforeAll(async () => {
    if (name === 'postgres') await requirePostgres();
    else await snapshot();
  }, 60_000);
  beforeEach(async () => {
    s = await open();
  }, 30_000);
  afterEach(async () => {
    await s?.cleanup();
  });

  describe('migrations', () => {
    it('apply every file once, recorded in orchestrator_migrations, and are idempotent', async () => {
      const files = await readMigrations(DEFAULT_MIGRATIONS_DIR);
      expect(files.length).toBeGreaterThan(0);
      expect(s.applied).toEqual(files.map((f) => f.id));
      expect(await s.ledger.migrate()).toEqual([]);
      const rows = await s.driver.query<{ version: string; name: string; applied_at: Date }>(
        'select version, name, applied_at from orchestrator_migrations order by version',
      );
      expect(rows.map((r) => `${r.version}_${r.name}`)).toEqual(files.map((f) => f.id));
      expect(rows[0]?.applied_at).toBeInstanceOf(Date);
    });

    it('also survive their SQL being run a second time (e.g. after `supabase db push`)', async () => {
      const [file] = await readMigrations(DEFAULT_MIGRATIONS_DIR);
      await s.driver.exec(file!.sql);
    });

    it('roll a failing file back alone and report MIGRATION_FAILED', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ledger-migrations-'));
      try {
        for (const f of await readdir(DEFAULT_MIGRATIONS_DIR)) {
          await writeFile(join(dir, f), await readFile(join(DEFAULT_MIGRATIONS_DIR, f)));
        }
        await writeFile(
          join(dir, '29991231235959_broken.sql'),
          'create table broken_half (id int);\nselect no_such_function();\n',
        );
        const other = new SqlLedger(s.driver, { migrationsDir: dir, schema: s.schema });
        const err = await rejection(other.migrate());
        expect(err.code).toBe(LedgerErrors.MIGRATION_FAILED.code);
        expect(err.message).toContain('29991231235959_broken');
        expect(err.message).toContain('no_such_function');
        const [reg] = await s.driver.query<{ t: string | null }>(
          "select to_regclass('broken_half')::text as t",
        );
        expect(reg?.t).toBeNull();
        const versions = await s.driver.query<{ version: string }>(
          'select version from orchestrator_migrations',
        );
        expect(versions.map((v) => v.version)).not.toContain('29991231235959');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('run concurrently apply each file exactly once', async () => {
      // A second ledger on the same store racing the first: on Postgres through a second pool.
      const fresh = await open(false);
      const second =
        name === 'postgres'
          ? new SqlLedger(openPostgresDriver({ databaseUrl: TEST_DATABASE_URL, schema: fresh.schema }), {
              schema: fresh.schema,
            })
          : fresh.ledger;
      try {
        const results = await Promise.all([fresh.ledger.migrate(), second.migrate()]);
        // Each file exactly once; which migrator applied which file depends on the race (the
        // lock is per file, and both go through the files in order).
        expect(results.flat().sort()).toEqual([...s.applied].sort());
      } finally {
        if (second !== fresh.ledger) await second.close();
        await fresh.cleanup();
      }
    });
  });

  describe('createAction', () => {
    it('stores the action QUEUED with its first event, camelCase and ISO timestamps', async () => {
      const a = action();
      const { created, action: rec } = await s.ledger.createAction(a);
      expect(created).toBe(true);
      expect(rec).toEqual({
        agentId: a.agentId,
        actionId: a.actionId,
        commandType: a.commandType,
        status: 'QUEUED',
        command: a.command,
        payloadHash: a.payloadHash,
        queue: a.queue,
        result: null,
        error: null,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      const events = await s.ledger.events(a.agentId, a.actionId);
      expect(events).toEqual([
        { seq: 1, status: 'QUEUED', payload: { queue: a.queue }, at: expect.stringMatching(ISO) },
      ]);
    });

    it('is idempotent on (agent_id, action_id) and returns the stored record', async () => {
      const a = action();
      const first = await s.ledger.createAction(a);
      const again = await s.ledger.createAction({
        ...a,
        payloadHash: 'b'.repeat(64),
        command: { other: true },
      });
      expect(again.created).toBe(false);
      expect(again.action).toEqual(first.action);
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(1);
      // The same action_id from another agent is another action.
      expect((await s.ledger.createAction({ ...a, agentId: 'agent-b' })).created).toBe(true);
    });

    it('lets exactly one of two concurrent creates win', async () => {
      const a = action();
      const results = await Promise.all([s.ledger.createAction(a), s.ledger.createAction(a)]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0]?.action).toEqual(results[1]?.action);
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(1);
    });
  });

  describe('advance', () => {
    it('moves through every step with one event each and records the decision, atomically', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const ok = await s.ledger.advance(
        a.agentId,
        a.actionId,
        [
          { to: 'EVALUATING', payload: {} },
          { to: 'ALLOWED', payload: { risk: 'LOW' } },
          { to: 'EXECUTING', payload: { connector: 'c' } },
        ],
        { from: ['QUEUED'], decision },
      );
      expect(ok).toBe(true);
      expect((await s.ledger.getAction(a.agentId, a.actionId))?.status).toBe('EXECUTING');
      const events = await s.ledger.events(a.agentId, a.actionId);
      expect(events.map((e) => [e.seq, e.status])).toEqual([
        [1, 'QUEUED'],
        [2, 'EVALUATING'],
        [3, 'ALLOWED'],
        [4, 'EXECUTING'],
      ]);
      expect(events[2]?.payload).toEqual({ risk: 'LOW' });
      const stored = await s.ledger.decisions(a.agentId, a.actionId);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({
        action: 'allow',
        risk: 'LOW',
        reasons: ['low risk'],
        alert: null,
        evalMicros: 17,
      });
      // Continues with ordinary transitions afterwards.
      expect(await s.ledger.transition(a.agentId, a.actionId, 'SUCCESS', {}, { from: ['EXECUTING'] })).toBe(
        true,
      );
      expect((await s.ledger.events(a.agentId, a.actionId)).at(-1)?.seq).toBe(5);
    });

    it('is a compare-and-set: a wrong `from` changes nothing and stores no decision', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const ok = await s.ledger.advance(a.agentId, a.actionId, [{ to: 'ALLOWED', payload: {} }], {
        from: ['EVALUATING'],
        decision,
      });
      expect(ok).toBe(false);
      expect((await s.ledger.getAction(a.agentId, a.actionId))?.status).toBe('QUEUED');
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toEqual([]);
    });

    it('lets exactly one of two concurrent advances win', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const step = [{ to: 'EVALUATING' as const, payload: {} }];
      const results = await Promise.all([
        s.ledger.advance(a.agentId, a.actionId, step, { from: ['QUEUED'], decision }),
        s.ledger.advance(a.agentId, a.actionId, step, { from: ['QUEUED'], decision }),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toHaveLength(1);
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(2);
    });
  });

  describe('createAdvanced', () => {
    const steps = [
      { to: 'EVALUATING' as const, payload: {} },
      { to: 'ALLOWED' as const, payload: { risk: 'LOW' } },
      { to: 'EXECUTING' as const, payload: { connector: 'c' } },
    ];

    it('records a new action already advanced, with its events and decision, atomically', async () => {
      const a = action();
      const rec = await s.ledger.createAdvanced(a, steps, decision);
      expect(rec).toMatchObject({ agentId: a.agentId, actionId: a.actionId, status: 'EXECUTING' });
      expect(rec?.command).toEqual(a.command);
      const events = await s.ledger.events(a.agentId, a.actionId);
      expect(events.map((e) => [e.seq, e.status])).toEqual([
        [1, 'QUEUED'],
        [2, 'EVALUATING'],
        [3, 'ALLOWED'],
        [4, 'EXECUTING'],
      ]);
      expect(events[2]?.payload).toEqual({ risk: 'LOW' });
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toMatchObject([
        { action: 'allow', evalMicros: 17 },
      ]);
      // Later transitions continue the sequence.
      expect(await s.ledger.transition(a.agentId, a.actionId, 'SUCCESS', {}, { from: ['EXECUTING'] })).toBe(
        true,
      );
      expect((await s.ledger.events(a.agentId, a.actionId)).at(-1)?.seq).toBe(5);
    });

    it('writes nothing for an action that exists', async () => {
      const a = action();
      await s.ledger.createAction(a);
      expect(await s.ledger.createAdvanced(a, steps, decision)).toBeUndefined();
      expect((await s.ledger.getAction(a.agentId, a.actionId))?.status).toBe('QUEUED');
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(1);
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toEqual([]);
    });

    it('lets exactly one of two concurrent records win, alongside other actions in the batch', async () => {
      const a = action();
      const others = [action(), action()];
      const results = await Promise.all([
        s.ledger.createAdvanced(a, steps, decision),
        s.ledger.createAdvanced(a, steps, decision),
        ...others.map((o) => s.ledger.createAdvanced(o, steps, decision)),
      ]);
      expect(results.slice(0, 2).filter((r) => r !== undefined)).toHaveLength(1);
      expect(results.slice(2).every((r) => r?.status === 'EXECUTING')).toBe(true);
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toHaveLength(1);
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(4);
    });
  });

  describe('transition', () => {
    it('moves the status, stores result and error, and appends events with the next seq', async () => {
      const a = action();
      const { action: before } = await s.ledger.createAction(a);
      expect(await s.ledger.transition(a.agentId, a.actionId, 'EVALUATING', { by: 'worker-1' })).toBe(true);
      expect(await s.ledger.transition(a.agentId, a.actionId, 'ALLOWED', {}, { from: ['EVALUATING'] })).toBe(
        true,
      );
      expect(
        await s.ledger.transition(a.agentId, a.actionId, 'EXECUTING', {}, { from: ['ALLOWED', 'APPROVED'] }),
      ).toBe(true);
      const result = { status: 'success', integration_status: 'CONNECTED', list: [1, 2] };
      expect(
        await s.ledger.transition(
          a.agentId,
          a.actionId,
          'SUCCESS',
          { ms: 12 },
          { from: ['EXECUTING'], result },
        ),
      ).toBe(true);
      const after = await s.ledger.getAction(a.agentId, a.actionId);
      expect(after?.status).toBe('SUCCESS');
      expect(after?.result).toEqual(result);
      expect(after?.error).toBeNull();
      expect(after!.updatedAt >= before.updatedAt).toBe(true);
      expect(after?.createdAt).toBe(before.createdAt);
      const events = await s.ledger.events(a.agentId, a.actionId);
      expect(events.map((e) => [e.seq, e.status])).toEqual([
        [1, 'QUEUED'],
        [2, 'EVALUATING'],
        [3, 'ALLOWED'],
        [4, 'EXECUTING'],
        [5, 'SUCCESS'],
      ]);
      expect(events[1]?.payload).toEqual({ by: 'worker-1' });
      expect(events[4]?.payload).toEqual({ ms: 12 });

      const b = action();
      await s.ledger.createAction(b);
      const error = { code: 'ORC_ERR_CONNECTOR_TIMEOUT', message: 'bridge timed out' };
      expect(await s.ledger.transition(b.agentId, b.actionId, 'FAILED', {}, { error })).toBe(true);
      expect((await s.ledger.getAction(b.agentId, b.actionId))?.error).toEqual(error);
    });

    it('is a compare-and-set with `from`: no change and no event when the status does not match', async () => {
      const a = action();
      await s.ledger.createAction(a);
      expect(await s.ledger.transition(a.agentId, a.actionId, 'ALLOWED', {}, { from: ['EVALUATING'] })).toBe(
        false,
      );
      expect(await s.ledger.transition(a.agentId, a.actionId, 'ALLOWED', {}, { from: [] })).toBe(false);
      expect((await s.ledger.getAction(a.agentId, a.actionId))?.status).toBe('QUEUED');
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(1);
      expect(await s.ledger.transition(a.agentId, 'no-such-action', 'EVALUATING', {})).toBe(false);
    });

    it('lets exactly one of two concurrent compare-and-sets win', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const won = await Promise.all([
        s.ledger.transition(a.agentId, a.actionId, 'EVALUATING', { worker: 1 }, { from: ['QUEUED'] }),
        s.ledger.transition(a.agentId, a.actionId, 'REJECTED', { worker: 2 }, { from: ['QUEUED'] }),
      ]);
      expect(won.filter(Boolean)).toHaveLength(1);
      const events = await s.ledger.events(a.agentId, a.actionId);
      expect(events.map((e) => e.seq)).toEqual([1, 2]);
      expect((await s.ledger.getAction(a.agentId, a.actionId))?.status).toBe(
        won[0] ? 'EVALUATING' : 'REJECTED',
      );
    });

    it('gives concurrent unconditional transitions distinct, gapless seqs', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const n = 12;
      const ok = await Promise.all(
        Array.from({ length: n }, (_, i) => s.ledger.transition(a.agentId, a.actionId, 'EVALUATING', { i })),
      );
      expect(ok.every(Boolean)).toBe(true);
      const seqs = (await s.ledger.events(a.agentId, a.actionId)).map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    });

    it('accepts every ActionStatus and rejects anything else (check constraint)', async () => {
      const a = action();
      await s.ledger.createAction(a);
      for (const status of ACTION_STATUSES) {
        expect(await s.ledger.transition(a.agentId, a.actionId, status, {})).toBe(true);
      }
      const err = await rejection(s.ledger.transition(a.agentId, a.actionId, 'DONE' as ActionStatus, {}));
      expect(err.code).toBe(LedgerErrors.QUERY_FAILED.code);
      expect(err.retryable).toBe(false);
      expect(err.params.sqlState).toBe('23514');
    });
  });

  describe('append-only tables', () => {
    it('reject UPDATE, DELETE and TRUNCATE of action_events and policy_decisions', async () => {
      const a = action();
      await s.ledger.createAction(a);
      await s.ledger.recordDecision(a.agentId, a.actionId, {
        action: 'allow',
        risk: 'LOW',
        reasons: [],
        alert: null,
        revision: 'r1',
        explanation: [],
        evalMicros: 5,
      });
      for (const sql of [
        "update action_events set status = 'SUCCESS'",
        'delete from action_events',
        'truncate action_events cascade',
        "update policy_decisions set action = 'block'",
        'delete from policy_decisions',
        'truncate policy_decisions',
      ]) {
        const err = await rejection(s.driver.query(sql));
        expect(err.code).toBe(LedgerErrors.QUERY_FAILED.code);
        expect(err.message).toContain('append-only');
      }
      expect(await s.ledger.events(a.agentId, a.actionId)).toHaveLength(1);
      expect(await s.ledger.decisions(a.agentId, a.actionId)).toHaveLength(1);
    });
  });

  describe('decisions', () => {
    it('round-trip with reasons, alert, explanation and a rounded evaluation time', async () => {
      const a = action();
      await s.ledger.createAction(a);
      const block = {
        action: 'block' as const,
        risk: 'HIGH' as const,
        reasons: ['New integrations require manual security and permissions review.'],
        alert: { severity: 'high' as const, teams: ['security'] },
        revision: 'f'.repeat(64),
        explanation: [{ rule: 'data.orchestrator.decision', file: 'policies/orchestrator.rego', line: 42 }],
        evalMicros: 12.6,
      };
      await s.ledger.recordDecision(a.agentId, a.actionId, block);
      await s.ledger.recordDecision(a.agentId, a.actionId, {
        ...block,
        action: 'allow',
        alert: null,
        evalMicros: 3,
      });
      const stored = await s.ledger.decisions(a.agentId, a.actionId);
      expect(stored).toEqual([
        { ...block, evalMicros: 13, at: expect.stringMatching(ISO) },
        { ...block, action: 'allow', alert: null, evalMicros: 3, at: expect.stringMatching(ISO) },
      ]);
      expect(await s.ledger.decisions(a.agentId, 'other')).toEqual([]);
    });

    it('advance and createAdvanced store every field, in one batch with requests that carry none', async () => {
      const judge = {
        action: 'judge' as const,
        risk: 'MEDIUM' as const,
        reasons: ['Medium risk: "quoted", back\\slash, ünïcode'],
        alert: { severity: 'high' as const, teams: ['security', 'ops'] },
        revision: 'e'.repeat(64),
        explanation: [
          { rule: 'data.orchestrator.decision', file: 'policies/orchestrator.rego', line: 50 },
          { rule: 'data.orchestrator.alert', file: 'policies/orchestrator.rego', line: 212 },
        ],
        evalMicros: 41.5,
      };
      const allow = {
        ...judge,
        action: 'allow' as const,
        risk: 'LOW' as const,
        alert: null,
        evalMicros: 0.2,
      };
      const [x, y, z] = [action(), action(), action()];
      const fresh = [action(), action(), action()];
      for (const a of [x!, y!, z!]) await s.ledger.createAction(a);
      const step = [{ to: 'EVALUATING' as const, payload: {} }];
      // Issued in one turn, so each kind goes out as one multi-row statement.
      await Promise.all([
        s.ledger.advance(x!.agentId, x!.actionId, step, { from: ['QUEUED'], decision: judge }),
        s.ledger.advance(y!.agentId, y!.actionId, step, { from: ['QUEUED'] }),
        s.ledger.advance(z!.agentId, z!.actionId, step, { from: ['QUEUED'], decision: allow }),
        s.ledger.createAdvanced(fresh[0]!, step, judge),
        s.ledger.createAdvanced(fresh[1]!, step),
        s.ledger.createAdvanced(fresh[2]!, step, allow),
      ]);
      const stored = (a: NewAction) => s.ledger.decisions(a.agentId, a.actionId);
      const expected = (d: typeof judge | typeof allow) => [
        { ...d, evalMicros: Math.round(d.evalMicros), at: expect.stringMatching(ISO) },
      ];
      expect(await stored(x!)).toEqual(expected(judge));
      expect(await stored(y!)).toEqual([]);
      expect(await stored(z!)).toEqual(expected(allow));
      expect(await stored(fresh[0]!)).toEqual(expected(judge));
      expect(await stored(fresh[1]!)).toEqual([]);
      expect(await stored(fresh[2]!)).toEqual(expected(allow));
    });
  });

  describe('queries', () => {
    it('history counts attempts and denials per service and per agent in the window', async () => {
      const make = async (over: Partial<NewAction> & { service?: string }, status?: ActionStatus) => {
        const a = action(over);
        await s.ledger.createAction(a);
        if (status) await s.ledger.transition(a.agentId, a.actionId, status, {});
        return a;
      };
      const current = await make({ agentId: 'a1' });
      await make({ agentId: 'a1' }, 'BLOCKED');
      await make({ agentId: 'a1' }, 'NEEDS_APPROVAL');
      await make({ agentId: 'a1' }, 'SUCCESS');
      await make({ agentId: 'a2' }, 'REJECTED');
      await make({ agentId: 'a2', service: 'gmail' }, 'BLOCKED');
      await make({ agentId: 'a1', commandType: 'CHECK_INTEGRATION_STATUS' }, 'BLOCKED');
      const old = await make({ agentId: 'a1' }, 'BLOCKED');
      await s.driver.query(
        "update actions set created_at = now() - interval '2 hours' where action_id = $1",
        [old.actionId],
      );

      const hour = 3_600_000;
      expect(
        await s.ledger.history({
          commandType: 'CONNECT_INTEGRATION',
          service: 'shopify',
          agentId: 'a1',
          windowMs: hour,
        }),
      ).toEqual({ service: { attempts_1h: 5, denials_1h: 3 }, agent: { attempts_1h: 4, denials_1h: 2 } });
      expect(
        await s.ledger.history({ commandType: 'CONNECT_INTEGRATION', agentId: 'a2', windowMs: hour }),
      ).toEqual({
        service: { attempts_1h: 0, denials_1h: 0 },
        agent: { attempts_1h: 2, denials_1h: 2 },
      });
      expect(
        await s.ledger.history({
          commandType: 'CONNECT_INTEGRATION',
          service: 'shopify',
          agentId: 'a1',
          windowMs: 3 * hour,
        }),
      ).toEqual({ service: { attempts_1h: 6, denials_1h: 4 }, agent: { attempts_1h: 5, denials_1h: 3 } });
      expect(
        await s.ledger.history({
          commandType: 'REFRESH_TOKEN',
          service: 'shopify',
          agentId: 'a1',
          windowMs: hour,
        }),
      ).toEqual({ service: { attempts_1h: 0, denials_1h: 0 }, agent: { attempts_1h: 0, denials_1h: 0 } });
      // Concurrent calls are answered by one batched statement; they must agree with single calls.
      const queries = [
        { commandType: 'CONNECT_INTEGRATION', service: 'shopify', agentId: 'a1', windowMs: hour },
        { commandType: 'CONNECT_INTEGRATION', agentId: 'a2', windowMs: hour },
        { commandType: 'CONNECT_INTEGRATION', service: 'gmail', agentId: 'a2', windowMs: hour },
        {
          commandType: 'CONNECT_INTEGRATION',
          service: 'shopify',
          agentId: 'a1',
          windowMs: hour,
          excludeActionId: current.actionId,
        },
      ];
      const batched = await Promise.all(queries.map((q) => s.ledger.history(q)));
      const single: unknown[] = [];
      for (const q of queries) single.push(await s.ledger.history(q));
      expect(batched).toEqual(single);
      // The action being evaluated is left out of its own history.
      expect(
        await s.ledger.history({
          commandType: 'CONNECT_INTEGRATION',
          service: 'shopify',
          agentId: 'a1',
          windowMs: hour,
          excludeActionId: current.actionId,
        }),
      ).toEqual({ service: { attempts_1h: 4, denials_1h: 3 }, agent: { attempts_1h: 3, denials_1h: 2 } });
    });

    it('countActions counts one status up to the cap', async () => {
      const status = 'HELD' as const;
      const before = await s.ledger.countActions({ status, limit: 1_000 });
      for (let i = 0; i < 3; i++) {
        const a = action();
        await s.ledger.createAdvanced(a, [
          { to: 'EVALUATING', payload: {} },
          { to: 'ALLOWED', payload: {} },
          { to: status, payload: {} },
        ]);
      }
      expect(await s.ledger.countActions({ status, limit: 1_000 })).toBe(before + 3);
      expect(await s.ledger.countActions({ status, limit: 2 })).toBe(2);
    });

    it('listActions is newest first, filters by status and agent, and honours the limit', async () => {
      const ids: string[] = [];
      for (const agentId of ['a1', 'a2', 'a1', 'a2']) {
        const a = action({ agentId });
        await s.ledger.createAction(a);
        ids.push(a.actionId);
      }
      await s.ledger.transition('a1', ids[0]!, 'BLOCKED', {});
      await s.ledger.transition('a2', ids[3]!, 'BLOCKED', {});
      const all = await s.ledger.listActions({ limit: 10 });
      expect(all.map((a) => a.actionId)).toEqual([...ids].reverse());
      expect((await s.ledger.listActions({ limit: 2 })).map((a) => a.actionId)).toEqual([ids[3], ids[2]]);
      expect((await s.ledger.listActions({ status: 'BLOCKED', limit: 10 })).map((a) => a.actionId)).toEqual([
        ids[3],
        ids[0],
      ]);
      expect((await s.ledger.listActions({ agentId: 'a1', limit: 10 })).map((a) => a.actionId)).toEqual([
        ids[2],
        ids[0],
      ]);
      expect(await s.ledger.listActions({ agentId: 'a1', status: 'BLOCKED', limit: 10 })).toHaveLength(1);
      expect(await s.ledger.listActions({ status: 'SUCCESS', limit: 10 })).toEqual([]);
    });

    it('getAction and findAction read one action; findAction takes the newest across agents', async () => {
      const first = action({ agentId: 'a1', actionId: 'shared-id' });
      await s.ledger.createAction(first);
      await s.ledger.createAction({ ...first, agentId: 'a2' });
      expect((await s.ledger.getAction('a1', 'shared-id'))?.agentId).toBe('a1');
      expect(await s.ledger.getAction('a3', 'shared-id')).toBeUndefined();
      expect((await s.ledger.findAction('shared-id'))?.agentId).toBe('a2');
      expect(await s.ledger.findAction('nope')).toBeUndefined();
    });
  });

  describe('availability', () => {
    it('ping answers, and every call after close fails UNAVAILABLE (retryable)', async () => {
      await s.ledger.ping();
      const fresh = await open();
      await fresh.cleanup();
      for (const call of [() => fresh.ledger.ping(), () => fresh.ledger.createAction(action())]) {
        const err = await rejection(call());
        expect(err.code).toBe(LedgerErrors.UNAVAILABLE.code);
        expect(err.status).toBe(503);
        expect(err.retryable).toBe(true);
      }
    });
  });
});

describe('postgres ledger without a server', () => {
  it('fails UNAVAILABLE (503, retryable) without leaking the password', async () => {
    const port = await closedPort();
    const password = 'hunter2-s3cr@t';
    const url = `postgres://orchestrator:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const ledger = await createLedger({
      databaseUrl: url,
      dataDir: 'unused',
      postgres: { connectTimeoutMs: 2_000 },
    });
    expect(ledger.kind).toBe('postgres');
    try {
      for (const call of [() => ledger.ping(), () => ledger.migrate(), () => ledger.createAction(action())]) {
        const err = await rejection(call());
        expect(err.code).toBe(LedgerErrors.UNAVAILABLE.code);
        expect(err.status).toBe(503);
        expect(err.retryable).toBe(true);
        expect(err.message).toMatch(/ECONNREFUSED|connect/);
        const everything = inspect(err, { depth: 10 }) + JSON.stringify(err);
        expect(everything).not.toContain('hunter2');
        expect(everything).not.toContain(encodeURIComponent(password));
      }
    } finally {
      await ledger.close();
    }
  });

  it('rejects a DATABASE_URL that is not postgres:// without echoing it', async () => {
    for (const databaseUrl of ['mysql://u:topsecret@db/x', 'not a url topsecret']) {
      const err = await rejection(createLedger({ databaseUrl, dataDir: 'unused' }));
      expect(err.code).toBe(LedgerErrors.CONFIG_INVALID.code);
      expect(err.message).not.toContain('topsecret');
    }
  });

  it('rejects a schema name that would need quoting', async () => {
    const err = await rejection(
      createLedger({
        databaseUrl: TEST_DATABASE_URL,
        dataDir: 'unused',
        schema: 'x"; drop table actions; --',
      }),
    );
    expect(err.code).toBe(LedgerErrors.CONFIG_INVALID.code);
  });
});

describe('embedded ledger on disk', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-data-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lives in <dataDir>/ledger, persists across restarts and migrates once', async () => {
    const nested = join(dataDir, 'a', 'b');
    const first = await createLedger({ dataDir: nested });
    expect(first.kind).toBe('pglite');
    expect(await first.migrate()).toHaveLength((await readMigrations()).length);
    const a = action();
    await first.createAction(a);
    await first.close();
    expect(await readdir(nested)).toContain('ledger');

    const again = await createLedger({ dataDir: nested });
    try {
      expect(await again.migrate()).toEqual([]);
      expect((await again.getAction(a.agentId, a.actionId))?.status).toBe('QUEUED');
    } finally {
      await again.close();
    }
  });

  it('keeps a second opener out while the first has it, and takes over a dead owner’s lock', async () => {
    const first = await createLedger({ dataDir });
    const err = await rejection(createLedger({ dataDir }));
    expect(err.code).toBe(LedgerErrors.LOCKED.code);
    expect(err.message).toContain(String(process.pid));
    await first.close();

    // A lock left by a process that no longer exists (kill -9) does not block a restart.
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'ledger.lock'), '2147483646\n');
    const second = await createLedger({ dataDir });
    await second.ping();
    await second.close();
  });
});

describe('ledger errors', () => {
  it('classify driver errors: connection trouble is retryable, refused statements are not', () => {
    const sqlErr = (code: string) => Object.assign(new Error(`boom ${code}`), { code });
    expect(toLedgerError(sqlErr('57P01')).code).toBe(LedgerErrors.UNAVAILABLE.code);
    expect(toLedgerError(sqlErr('08006')).code).toBe(LedgerErrors.UNAVAILABLE.code);
    expect(toLedgerError(sqlErr('40001')).code).toBe(LedgerErrors.UNAVAILABLE.code);
    expect(toLedgerError(sqlErr('53300')).code).toBe(LedgerErrors.UNAVAILABLE.code);
    expect(toLedgerError(sqlErr('23505')).code).toBe(LedgerErrors.QUERY_FAILED.code);
    expect(toLedgerError(sqlErr('42P01')).code).toBe(LedgerErrors.QUERY_FAILED.code);
    expect(toLedgerError(sqlErr('EPIPE')).code).toBe(LedgerErrors.UNAVAILABLE.code);
    expect(toLedgerError(new Error('Connection terminated unexpectedly')).code).toBe(
      LedgerErrors.UNAVAILABLE.code,
    );
    const agg = Object.assign(new AggregateError([new Error('connect ECONNREFUSED ::1:5432')], ''), {
      code: 'ECONNREFUSED',
    });
    expect(toLedgerError(agg).message).toContain('ECONNREFUSED ::1:5432');
  });

  it('redact passwords, raw and percent-encoded, and any URL userinfo', () => {
    const url = 'postgresql://postgres.abcd:p%40ss%2Fw0rd@aws-0-eu.pooler.supabase.com:5432/postgres';
    const secrets = secretsOf(url);
    expect(secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd']);
    const err = toLedgerError(new Error(`could not parse ${url} (p@ss/w0rd)`), secrets);
    expect(err.message).not.toContain('p@ss/w0rd');
    expect(err.message).not.toContain('p%40ss');
    expect(inspect(err, { depth: 10 })).not.toContain('w0rd');
    expect(redact('x postgres://u:pw@h/db', [])).toBe('x postgres://u:***@h/db');
  });
});
