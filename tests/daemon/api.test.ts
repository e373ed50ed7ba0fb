import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyDecision } from '../../daemon/core/types.ts';
import { ContractErrors } from '../../daemon/errors/contract.ts';
import { IntakeErrors } from '../../daemon/errors/intake.ts';
import { OrchestratorError } from '../../daemon/errors/registry.ts';
import { type ApiFixture, apiFixture, command, TOKENS } from '../support/api-fixture.ts';

let f: ApiFixture;
afterEach(async () => {
  await f?.close();
});

/** Asserts the one error shape: `{"error": {"code", "message", "details"?}}` and nothing else. */
function expectError(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { error: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  for (const k of Object.keys(body.error)) expect(['code', 'message', 'details']).toContain(k);
  expect(res.body).not.toMatch(/\bat .*\.ts:\d+/); // no stack frames
  return body.error;
}

const decision: PolicyDecision = {
  action: 'allow',
  risk: 'LOW',
  reasons: ['read-only status check'],
  alert: null,
  revision: 'a'.repeat(64),
  explanation: [{ rule: 'data.orchestrator.decision', file: 'policies/orchestrator.rego', line: 12 }],
  evalMicros: 42,
};

describe('health and readiness', () => {
  it('/healthz answers without auth', async () => {
    f = apiFixture();
    const res = await f.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when every check passes', async () => {
    f = apiFixture();
    const res = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ready: true,
      checks: { redis: { ok: true }, ledger: { ok: true }, policy: { ok: true } },
    });
  });

  it('/readyz is 503 naming the failing check, with credentials scrubbed', async () => {
    f = apiFixture();
    f.readiness.checks.ledger = {
      ok: false,
      detail: 'connect ECONNREFUSED postgres://orc:s3cret@db:5432/orc',
    };
    const res = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = res.json() as { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.ready).toBe(false);
    expect(body.checks.redis).toEqual({ ok: true });
    expect(body.checks.ledger?.ok).toBe(false);
    expect(body.checks.ledger?.detail).toContain('postgres://***@db:5432');
    expect(res.body).not.toContain('s3cret');
  });

  it('/readyz is 503 when the check hangs or throws, never waiting forever or leaking', async () => {
    f = apiFixture();
    f.readiness.hang = true;
    const t0 = Date.now();
    const hung = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(hung.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(hung.body).toContain('ORC_ERR_API_READINESS_TIMEOUT');
    f.readiness.hang = false;
    f.readiness.throws = true;
    const threw = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(threw.statusCode).toBe(503);
    expect(threw.json()).toMatchObject({ ready: false });
    expect(threw.body).not.toContain('hunter2');
  });
});

describe('POST /v1/commands', () => {
  it('answers 202 QUEUED for a new action, with the agent taken from the token', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('chk-1'),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ action_id: 'chk-1', status: 'QUEUED' });
    expect(res.headers.location).toBe('/v1/actions/chk-1');
    expect(f.intake.calls[0]?.agent).toEqual({ id: 'agent-a' });
    expect((await f.ledger.getAction('agent-a', 'chk-1'))?.status).toBe('QUEUED');
  });

  it('never takes the identity from the body', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: { ...command('spoof-1'), agent: 'agent-b', agent_id: 'agent-b' },
    });
    expect(res.statusCode).toBe(202);
    expect(f.intake.calls[0]?.agent.id).toBe('agent-a');
    expect(await f.ledger.getAction('agent-b', 'spoof-1')).toBeUndefined();
  });

  it('answers 200 with the existing record for the same action again, without enqueueing twice', async () => {
    f = apiFixture();
    const first = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    expect(first.statusCode).toBe(202);
    await f.ledger.transition('agent-a', 'chk-1', 'EVALUATING', {});
    const again = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ action_id: 'chk-1', status: 'EVALUATING' });
    expect(f.intake.enqueued).toBe(1);
  });

  it('answers 409 for the same action_id with another payload', async () => {
    f = apiFixture();
    await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('x', 'shopify'),
    });
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('x', 'mailchimp'),
    });
    expectError(res, 409, 'ORC_ERR_INTAKE_CONFLICT');
  });

  it('lets two agents use the same action_id independently', async () => {
    f = apiFixture();
    const a = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('same'),
    });
    const b = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentB'),
      payload: command('same', 'other'),
    });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
  });

  it('answers 400 with field-level issues for an invalid command', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: { command_type: 'CHECK_INTEGRATION_STATUS' },
    });
    const err = expectError(res, 400, 'ORC_ERR_CONTRACT_INVALID');
    const issues = (err.details as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((i) => i.path)).toEqual(['action_id', 'params']);
  });

  it('answers 400 when the body is not an object (route schema), with issues', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { ...f.auth('agentA'), 'content-type': 'application/json' },
      payload: '[1,2,3]',
    });
    const err = expectError(res, 400, 'ORC_ERR_API_INVALID_REQUEST');
    expect((err.details as { issues: { path: string }[] }).issues[0]?.path).toBe('body');
  });

  it('answers 400 with a code for malformed JSON, an empty body, and prototype-poisoning keys', async () => {
    f = apiFixture();
    const headers = { ...f.auth('agentA'), 'content-type': 'application/json' };
    for (const payload of ['{"action_id": "x", ', '{', 'nul', '']) {
      const res = await f.app.inject({ method: 'POST', url: '/v1/commands', headers, payload });
      expectError(res, 400, 'ORC_ERR_API_INVALID_JSON');
    }
    for (const payload of ['{"__proto__": {"admin": true}}', '{"constructor": {"prototype": {"x": 1}}}']) {
      const res = await f.app.inject({ method: 'POST', url: '/v1/commands', headers, payload });
      expectError(res, 400, 'ORC_ERR_API_INVALID_JSON');
    }
    expect(f.intake.calls).toHaveLength(0);
    // Still serving.
    expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('answers 415 for a non-JSON content type', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { ...f.auth('agentA'), 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectError(res, 415, 'ORC_ERR_API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 413 above the body limit, before the intake sees anything', async () => {
    f = apiFixture({ bodyLimit: 256 });
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: { ...command(), metadata: { note: 'x'.repeat(1_000) } },
    });
    const err = expectError(res, 413, 'ORC_ERR_API_PAYLOAD_TOO_LARGE');
    expect(err.message).toContain('256');
    expect(f.intake.calls).toHaveLength(0);
  });

  it("passes the intake's own 413 and 503 through with their codes", async () => {
    f = apiFixture();
    f.intake.failNext = {
      error: new OrchestratorError(IntakeErrors.UNAVAILABLE, { reason: 'queue unavailable' }),
      once: true,
    };
    const unavailable = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    const err = expectError(unavailable, 503, 'ORC_ERR_INTAKE_UNAVAILABLE');
    expect(err.message).toContain('queue unavailable');
    f.intake.failNext = {
      error: new OrchestratorError(ContractErrors.TOO_LARGE, {
        bytes: 20_000,
        limit: 16_384,
        details: {
          issues: [{ path: '', code: 'too_large', message: 'is 20000 bytes serialized; the limit is 16384' }],
        },
      }),
      once: true,
    };
    const large = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    const tooLarge = expectError(large, 413, 'ORC_ERR_CONTRACT_TOO_LARGE');
    expect(tooLarge.details).toEqual({ issues: [expect.objectContaining({ code: 'too_large' })] });
  });

  it('answers 500 ORC_ERR_API_INTERNAL for an unexpected error, revealing nothing', async () => {
    f = apiFixture();
    const boom = new TypeError('cannot read secret_key_abc of undefined at /srv/internal/path.ts:12');
    f.intake.failNext = { error: boom, once: true };
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    const err = expectError(res, 500, 'ORC_ERR_API_INTERNAL');
    expect(res.body).not.toContain('secret_key_abc');
    expect(res.body).not.toContain('/srv/internal');
    expect(res.body).not.toContain('TypeError');
    expect(typeof (err.details as { request_id?: unknown }).request_id).toBe('string');
  });

  it('counts an agent’s requests across replicas when the counts live in Redis', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const nameSpace = `test-ratelimit-${Math.random().toString(36).slice(2)}:`;
    const shared = { rateLimitPerMinute: 3, rateLimitRedis: redis, rateLimitNamespace: nameSpace };
    const a = apiFixture(shared);
    const b = apiFixture(shared);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const replica = i % 2 === 0 ? a : b;
        const res = await replica.app.inject({
          method: 'POST',
          url: '/v1/commands',
          headers: replica.auth('agentA'),
          payload: command(`rr-${i}`),
        });
        codes.push(res.statusCode);
      }
      // Three across both replicas, not three each.
      expect(codes).toEqual([202, 202, 202, 429]);
    } finally {
      await a.close();
      await b.close();
      const keys = await redis.keys(`${nameSpace}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it('refuses requests when the shared counts cannot be read (fail closed)', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    f = apiFixture({ rateLimitPerMinute: 3, rateLimitRedis: dead });
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('rr-dead'),
    });
    expectError(res, 503, 'ORC_ERR_API_RATE_LIMIT_UNAVAILABLE');
    expect(f.intake.calls).toHaveLength(0);
    dead.disconnect();
  });

  it('rate-limits per agent (429 with Retry-After), not per address', async () => {
    f = apiFixture({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await f.app.inject({
        method: 'POST',
        url: '/v1/commands',
        headers: f.auth('agentA'),
        payload: command(`r-${i}`),
      });
      expect(ok.statusCode).toBe(202);
    }
    const limited = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('r-3'),
    });
    const err = expectError(limited, 429, 'ORC_ERR_API_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(err.details).toMatchObject({ limit_per_minute: 3 });
    expect(f.intake.calls).toHaveLength(3);
    // Same address, another agent: its own budget.
    const other = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentB'),
      payload: command('r-0'),
    });
    expect(other.statusCode).toBe(202);
    // Reads have their own (larger) budget.
    const read = await f.app.inject({ method: 'GET', url: '/v1/actions/r-0', headers: f.auth('agentA') });
    expect(read.statusCode).toBe(200);
  });

  it('refuses staff roles (403) and unknown tokens (401) before the intake', async () => {
    f = apiFixture();
    for (const who of ['oncall', 'security', 'admin'] as const) {
      const res = await f.app.inject({
        method: 'POST',
        url: '/v1/commands',
        headers: f.auth(who),
        payload: command(),
      });
      expectError(res, 403, 'ORC_ERR_API_FORBIDDEN');
    }
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: { authorization: 'Bearer nope' },
      payload: command(),
    });
    expectError(res, 401, 'ORC_ERR_API_UNAUTHENTICATED');
    expect(f.intake.calls).toHaveLength(0);
  });
});

describe('GET /v1/actions/:action_id', () => {
  async function seed(fx: ApiFixture): Promise<void> {
    await fx.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: fx.auth('agentA'),
      payload: command('chk-1'),
    });
  }

  it('shows the agent its own action with events, and decision null before the policy', async () => {
    f = apiFixture();
    await seed(f);
    const res = await f.app.inject({ method: 'GET', url: '/v1/actions/chk-1', headers: f.auth('agentA') });
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a).toMatchObject({
      action_id: 'chk-1',
      agent_id: 'agent-a',
      command_type: 'CHECK_INTEGRATION_STATUS',
      status: 'QUEUED',
      decision: null,
      result: null,
      error: null,
    });
    expect(a.events).toEqual([{ seq: 1, status: 'QUEUED', payload: {}, at: expect.any(String) }]);
    expect(Date.parse(a.created_at)).not.toBeNaN();
  });

  it('shows the latest decision, the result and every event in order', async () => {
    f = apiFixture();
    await seed(f);
    await f.ledger.transition('agent-a', 'chk-1', 'EVALUATING', {});
    await f.ledger.recordDecision('agent-a', 'chk-1', { ...decision, reasons: ['older'] });
    await new Promise((r) => setTimeout(r, 5));
    await f.ledger.recordDecision('agent-a', 'chk-1', decision);
    await f.ledger.transition('agent-a', 'chk-1', 'ALLOWED', { risk: 'LOW' });
    await f.ledger.transition('agent-a', 'chk-1', 'EXECUTING', {});
    await f.ledger.transition(
      'agent-a',
      'chk-1',
      'SUCCESS',
      {},
      {
        result: { status: 'success', integration_status: 'CONNECTED', last_checked: '2025-01-01T00:00:00Z' },
      },
    );
    const res = await f.app.inject({ method: 'GET', url: '/v1/actions/chk-1', headers: f.auth('agentA') });
    const a = res.json();
    expect(a.status).toBe('SUCCESS');
    expect(a.decision).toEqual({
      action: 'allow',
      risk: 'LOW',
      reasons: ['read-only status check'],
      alert: null,
      revision: 'a'.repeat(64),
      explanation: [{ rule: 'data.orchestrator.decision', file: 'policies/orchestrator.rego', line: 12 }],
      eval_micros: 42,
    });
    expect(a.result).toEqual({
      status: 'success',
      integration_status: 'CONNECTED',
      last_checked: '2025-01-01T00:00:00Z',
    });
    expect(a.events.map((e: { status: string }) => e.status)).toEqual([
      'QUEUED',
      'EVALUATING',
      'ALLOWED',
      'EXECUTING',
      'SUCCESS',
    ]);
    expect(a.events[2].payload).toEqual({ risk: 'LOW' });
  });

  it("hides another agent's action (404, same as missing) but shows it to staff", async () => {
    f = apiFixture();
    await seed(f);
    const other = await f.app.inject({ method: 'GET', url: '/v1/actions/chk-1', headers: f.auth('agentB') });
    expectError(other, 404, 'ORC_ERR_API_NOT_FOUND');
    const missing = await f.app.inject({ method: 'GET', url: '/v1/actions/nope', headers: f.auth('agentA') });
    expectError(missing, 404, 'ORC_ERR_API_NOT_FOUND');
    for (const who of ['oncall', 'security', 'admin'] as const) {
      const res = await f.app.inject({ method: 'GET', url: '/v1/actions/chk-1', headers: f.auth(who) });
      expect(res.statusCode).toBe(200);
      expect(res.json().agent_id).toBe('agent-a');
    }
  });

  it('requires a token', async () => {
    f = apiFixture();
    expectError(
      await f.app.inject({ method: 'GET', url: '/v1/actions/chk-1' }),
      401,
      'ORC_ERR_API_UNAUTHENTICATED',
    );
  });

  it('answers ids with URL-reserved characters', async () => {
    f = apiFixture();
    await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('a:b.c'),
    });
    const res = await f.app.inject({
      method: 'GET',
      url: `/v1/actions/${encodeURIComponent('a:b.c')}`,
      headers: f.auth('agentA'),
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('GET /v1/actions', () => {
  async function seed(fx: ApiFixture): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await fx.app.inject({
        method: 'POST',
        url: '/v1/commands',
        headers: fx.auth('agentA'),
        payload: command(`a-${i}`),
      });
    }
    await fx.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: fx.auth('agentB'),
      payload: command('b-0'),
    });
    await fx.ledger.transition('agent-a', 'a-1', 'EVALUATING', {});
    await fx.ledger.transition('agent-a', 'a-1', 'BLOCKED', {});
  }

  it('lists every agent for staff, newest first, filtered by status and agent', async () => {
    f = apiFixture();
    await seed(f);
    const all = await f.app.inject({ method: 'GET', url: '/v1/actions', headers: f.auth('oncall') });
    expect(all.statusCode).toBe(200);
    expect(all.json().actions.map((a: { action_id: string }) => a.action_id)).toEqual([
      'b-0',
      'a-2',
      'a-1',
      'a-0',
    ]);
    const blocked = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?status=BLOCKED',
      headers: f.auth('security'),
    });
    expect(blocked.json().actions).toEqual([
      expect.objectContaining({
        action_id: 'a-1',
        agent_id: 'agent-a',
        status: 'BLOCKED',
        command_type: 'CHECK_INTEGRATION_STATUS',
      }),
    ]);
    const byAgent = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?agent_id=agent-b',
      headers: f.auth('admin'),
    });
    expect(byAgent.json().actions.map((a: { action_id: string }) => a.action_id)).toEqual(['b-0']);
    const limited = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?limit=2',
      headers: f.auth('oncall'),
    });
    expect(limited.json().actions).toHaveLength(2);
  });

  it('shows agents only their own, and refuses another agent_id (403)', async () => {
    f = apiFixture();
    await seed(f);
    const own = await f.app.inject({ method: 'GET', url: '/v1/actions', headers: f.auth('agentB') });
    expect(own.json().actions.map((a: { agent_id: string }) => a.agent_id)).toEqual(['agent-b']);
    const self = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?agent_id=agent-b',
      headers: f.auth('agentB'),
    });
    expect(self.statusCode).toBe(200);
    const other = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?agent_id=agent-a',
      headers: f.auth('agentB'),
    });
    expectError(other, 403, 'ORC_ERR_API_FORBIDDEN');
  });

  it('defaults to 50 rows', async () => {
    f = apiFixture({ rateLimitPerMinute: 10_000 });
    for (let i = 0; i < 60; i++) {
      await f.ledger.createAction({
        agentId: 'agent-a',
        actionId: `n-${i}`,
        commandType: 'X',
        command: {},
        payloadHash: 'h',
        queue: 'q',
      });
    }
    const res = await f.app.inject({ method: 'GET', url: '/v1/actions', headers: f.auth('oncall') });
    expect(res.json().actions).toHaveLength(50);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=501', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=1.5', 'query.limit'],
    ['status=DONE', 'query.status'],
    ['status=queued', 'query.status'],
  ])('refuses %s with 400 naming %s', async (qs, path) => {
    f = apiFixture();
    const res = await f.app.inject({ method: 'GET', url: `/v1/actions?${qs}`, headers: f.auth('oncall') });
    const err = expectError(res, 400, 'ORC_ERR_API_INVALID_REQUEST');
    const issues = (err.details as { issues: { path: string; code: string; message: string }[] }).issues;
    expect(issues[0]?.path).toBe(path);
  });

  it('names the allowed statuses when the status is unknown', async () => {
    f = apiFixture();
    const res = await f.app.inject({
      method: 'GET',
      url: '/v1/actions?status=DONE',
      headers: f.auth('oncall'),
    });
    expect(res.json().error.details.issues[0].message).toContain('NEEDS_APPROVAL');
  });
});

describe('routing, OpenAPI and metrics', () => {
  it('answers unknown routes with ORC_ERR_API_ROUTE_NOT_FOUND', async () => {
    f = apiFixture();
    const res = await f.app.inject({ method: 'GET', url: '/v2/nothing?token=x' });
    const err = expectError(res, 404, 'ORC_ERR_API_ROUTE_NOT_FOUND');
    expect(err.message).toBe('no route GET /v2/nothing');
  });

  it('serves the OpenAPI document at /docs/json and the UI at /docs', async () => {
    f = apiFixture();
    const res = await f.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/commands',
        '/v1/actions/{action_id}',
        '/v1/actions',
        '/healthz',
        '/readyz',
        '/metrics',
      ]),
    );
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(JSON.stringify(doc.paths['/v1/commands'].post)).toContain('command.schema.json');
    expect(Object.keys(doc.paths['/v1/commands'].post.responses)).toEqual(
      expect.arrayContaining(['200', '202', '400', '401', '403', '409', '413', '429', '503']),
    );
    const ui = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('serves Prometheus text at /metrics without auth, counting HTTP answers by route pattern', async () => {
    f = apiFixture();
    await f.app.inject({ method: 'GET', url: '/v1/actions/whatever', headers: f.auth('agentA') });
    const res = await f.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain(
      'orchestrator_http_requests_total{method="GET",route="/v1/actions/:action_id",status="404"} 1',
    );
    expect(res.body).not.toContain('whatever');
  });
});

describe('over a real listening port', () => {
  it('submits and reads back with fetch', async () => {
    f = apiFixture();
    const url = await f.app.listen({ port: 0, host: '127.0.0.1' });
    const submit = await fetch(`${url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.agentA.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(command('net-1')),
    });
    expect(submit.status).toBe(202);
    expect(await submit.json()).toEqual({ action_id: 'net-1', status: 'QUEUED' });
    const read = await fetch(`${url}/v1/actions/net-1`, {
      headers: { authorization: `Bearer ${TOKENS.agentA.token}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { agent_id: string }).agent_id).toBe('agent-a');
    const malformed = await fetch(`${url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.agentA.token}`, 'content-type': 'application/json' },
      body: '{"action_id":',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      'ORC_ERR_API_INVALID_JSON',
    );
    const big = await fetch(`${url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.agentA.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...command('big'), pad: 'x'.repeat(100_000) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe(
      'ORC_ERR_API_PAYLOAD_TOO_LARGE',
    );
  });

  it('can be awaited before listening, as the daemon does', async () => {
    f = apiFixture();
    const app = await f.app;
    expect(app).toBe(f.app);
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });
});

describe('logging', () => {
  it('logs refusals and internal errors without tokens, and keeps internals out of answers', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
    f = apiFixture({ logger });
    await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command(),
    });
    await f.app.inject({
      method: 'GET',
      url: '/v1/actions',
      headers: { authorization: 'Bearer not-a-real-token-123' },
    });
    f.intake.failNext = { error: new Error('driver exploded'), once: true };
    const res = await f.app.inject({
      method: 'POST',
      url: '/v1/commands',
      headers: f.auth('agentA'),
      payload: command('z'),
    });
    expect(res.body).not.toContain('driver exploded');
    const log = lines.join('');
    expect(log).toContain('driver exploded'); // the cause is in the log, under the request id
    expect(log).toContain(JSON.parse(res.body).error.details.request_id);
    expect(log).toContain('ORC_ERR_API_UNAUTHENTICATED');
    for (const t of [TOKENS.agentA.token, 'not-a-real-token-123']) expect(log).not.toContain(t);
  });
});
