import { createHash, randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntakeErrors } from '../../daemon/errors/intake.ts';
import { OrchestratorError } from '../../daemon/errors/registry.ts';
import {
  type Client,
  createEnqueuer,
  enqueueCommand,
  getAction,
  jobIdFor,
  listActions,
  SdkError,
  submitCommand,
  waitForAction,
} from '../../daemon/sdk/index.ts';
import { type ApiFixture, apiFixture, command, TOKENS } from '../support/api-fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

let f: ApiFixture;
let baseUrl: string;
let agentA: Client;
let agentB: Client;

beforeAll(async () => {
  f = apiFixture({ rateLimitPerMinute: 50 });
  baseUrl = await f.app.listen({ port: 0, host: '127.0.0.1' });
  agentA = { baseUrl, token: TOKENS.agentA.token };
  agentB = { baseUrl: `${baseUrl}/`, token: TOKENS.agentB.token };
});
afterAll(async () => {
  await f.close();
});

/** Expects the promise to reject with an SdkError and returns it. */
async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SdkError);
  return err as SdkError;
}

/** A bare HTTP server for answers the real API never gives. */
async function rawServer(handler: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('submitCommand over HTTP', () => {
  it('answers 202 for a new action and 200 for the same one again', async () => {
    const first = await submitCommand(agentA, command('sdk-1'));
    expect(first).toEqual({ action_id: 'sdk-1', status: 'QUEUED', httpStatus: 202 });
    const again = await submitCommand(agentA, command('sdk-1'));
    expect(again).toEqual({ action_id: 'sdk-1', status: 'QUEUED', httpStatus: 200 });
  });

  it("throws SdkError with the server's code and field details", async () => {
    const err = await sdkError(
      submitCommand(agentA, { command_type: 'CHECK_INTEGRATION_STATUS', params: {} }),
    );
    expect(err.code).toBe('ORC_ERR_CONTRACT_INVALID');
    expect(err.httpStatus).toBe(400);
    expect(err.retryable).toBe(false);
    expect(err.details).toEqual({ issues: [{ path: 'action_id', code: 'required', message: 'required' }] });
  });

  it('reports conflicts and bad tokens by code, never echoing the token', async () => {
    await submitCommand(agentA, command('sdk-conflict', 'shopify'));
    const conflict = await sdkError(submitCommand(agentA, command('sdk-conflict', 'mailchimp')));
    expect([conflict.code, conflict.httpStatus]).toEqual(['ORC_ERR_INTAKE_CONFLICT', 409]);
    const bad = await sdkError(submitCommand({ baseUrl, token: 'wrong-secret-token' }, command('x')));
    expect([bad.code, bad.httpStatus]).toEqual(['ORC_ERR_API_UNAUTHENTICATED', 401]);
    expect(`${bad.message} ${JSON.stringify(bad)}`).not.toContain('wrong-secret-token');
  });

  it('retries retryable failures when asked (safe: idempotent on action_id)', async () => {
    f.intake.failNext = {
      error: new OrchestratorError(IntakeErrors.UNAVAILABLE, { reason: 'queue unavailable' }),
      once: true,
    };
    const r = await submitCommand(agentA, command('sdk-retry'), { retries: 2 });
    expect(r.httpStatus).toBe(202);
    f.intake.failNext = {
      error: new OrchestratorError(IntakeErrors.UNAVAILABLE, { reason: 'queue unavailable' }),
      once: true,
    };
    const noRetry = await sdkError(submitCommand(agentA, command('sdk-retry-2')));
    expect([noRetry.code, noRetry.httpStatus, noRetry.retryable]).toEqual([
      'ORC_ERR_INTAKE_UNAVAILABLE',
      503,
      true,
    ]);
  });

  it('surfaces 429 with retryAfterMs', async () => {
    const limited = apiFixture({ rateLimitPerMinute: 1 });
    const url = await limited.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const client = { baseUrl: url, token: TOKENS.agentA.token };
      await submitCommand(client, command('rl-1'));
      const err = await sdkError(submitCommand(client, command('rl-2')));
      expect(err.code).toBe('ORC_ERR_API_RATE_LIMITED');
      expect(err.retryable).toBe(true);
      expect(err.retryAfterMs).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('reports an unreachable daemon as ORC_ERR_SDK_NETWORK', async () => {
    const { url, server } = await rawServer(() => {});
    await new Promise((r) => server.close(r));
    const err = await sdkError(submitCommand({ baseUrl: url, token: 't' }, command('n')));
    expect(err.code).toBe('ORC_ERR_SDK_NETWORK');
    expect(err.retryable).toBe(true);
    expect(err.httpStatus).toBeUndefined();
  });

  it('gives up after timeoutMs with ORC_ERR_SDK_TIMEOUT', async () => {
    const { url, server } = await rawServer(() => {}); // never answers
    try {
      const t0 = Date.now();
      const err = await sdkError(
        submitCommand({ baseUrl: url, token: 'secret-t' }, command('t'), { timeoutMs: 150 }),
      );
      expect(err.code).toBe('ORC_ERR_SDK_TIMEOUT');
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(err.message).not.toContain('secret-t');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('reports a non-API answer (a proxy error page) as ORC_ERR_SDK_BAD_RESPONSE', async () => {
    const { url, server } = await rawServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    try {
      const err = await sdkError(submitCommand({ baseUrl: url, token: 't' }, command('b')));
      expect([err.code, err.httpStatus]).toEqual(['ORC_ERR_SDK_BAD_RESPONSE', 502]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('rethrows the caller’s abort reason', async () => {
    const { url, server } = await rawServer(() => {});
    try {
      const ac = new AbortController();
      const p = submitCommand({ baseUrl: url, token: 't' }, command('a'), { signal: ac.signal });
      ac.abort(new Error('caller gave up'));
      await expect(p).rejects.toThrow('caller gave up');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('getAction, listActions and waitForAction', () => {
  it("reads the agent's own action and hides others'", async () => {
    await submitCommand(agentA, command('sdk-get'));
    const a = await getAction(agentA, 'sdk-get');
    expect(a).toMatchObject({ action_id: 'sdk-get', agent_id: 'agent-a', status: 'QUEUED', decision: null });
    const err = await sdkError(getAction(agentB, 'sdk-get'));
    expect([err.code, err.httpStatus]).toEqual(['ORC_ERR_API_NOT_FOUND', 404]);
    const { actions } = await listActions(agentB);
    expect(actions.every((x) => x.agent_id === 'agent-b')).toBe(true);
  });

  it('waits until a terminal status', async () => {
    await submitCommand(agentA, command('sdk-wait'));
    setTimeout(async () => {
      await f.ledger.transition('agent-a', 'sdk-wait', 'EVALUATING', {});
      await f.ledger.transition('agent-a', 'sdk-wait', 'ALLOWED', {});
      await f.ledger.transition('agent-a', 'sdk-wait', 'EXECUTING', {});
      setTimeout(() => {
        void f.ledger.transition('agent-a', 'sdk-wait', 'SUCCESS', {}, { result: { status: 'success' } });
      }, 100);
    }, 100);
    const a = await waitForAction(agentA, 'sdk-wait', { intervalMs: 25, waitTimeoutMs: 5_000 });
    expect(a.status).toBe('SUCCESS');
    expect(a.result).toEqual({ status: 'success' });
    expect(a.events.map((e) => e.status)).toEqual([
      'QUEUED',
      'EVALUATING',
      'ALLOWED',
      'EXECUTING',
      'SUCCESS',
    ]);
  });

  it('stops at the statuses asked for, and times out with the last status', async () => {
    await submitCommand(agentA, command('sdk-wait-2'));
    const queued = await waitForAction(agentA, 'sdk-wait-2', { terminal: ['QUEUED'] });
    expect(queued.status).toBe('QUEUED');
    const err = await sdkError(waitForAction(agentA, 'sdk-wait-2', { intervalMs: 20, waitTimeoutMs: 100 }));
    expect(err.code).toBe('ORC_ERR_SDK_WAIT_TIMEOUT');
    expect(err.message).toContain('last: QUEUED');
  });

  it('does not keep polling for an action that does not exist', async () => {
    const t0 = Date.now();
    const err = await sdkError(
      waitForAction(agentA, 'never-submitted', { intervalMs: 20, waitTimeoutMs: 5_000 }),
    );
    expect(err.code).toBe('ORC_ERR_API_NOT_FOUND');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});

describe('jobIdFor', () => {
  it('is sha256(agent NUL action) in hex, free of ":"', () => {
    const id = jobIdFor('agent-7', 'chk:1');
    expect(id).toBe(createHash('sha256').update('agent-7\0chk:1').digest('hex'));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(jobIdFor('a', 'b:c')).not.toBe(jobIdFor('a:b', 'c'));
    expect(jobIdFor('ab', 'c')).not.toBe(jobIdFor('a', 'bc'));
  });
});

describe('enqueueCommand (real Redis)', () => {
  const queues: Queue[] = [];
  afterEach(async () => {
    for (const q of queues.splice(0)) {
      await q.obliterate({ force: true });
      await q.close();
    }
  });

  function inspect(name: string): Queue {
    const q = new Queue(name, { connection: { url: REDIS_URL } });
    queues.push(q);
    return q;
  }

  it('puts a validated command on the queue with the derived job id, once', async () => {
    const name = `sdk-test-${randomUUID()}`;
    const q = inspect(name);
    const cmd = {
      action_id: 'enq-1',
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'mailchimp' },
    };
    const r = await enqueueCommand({ connection: REDIS_URL, queue: name, agentId: 'agent-enq' }, cmd);
    expect(r).toEqual({ action_id: 'enq-1', job_id: jobIdFor('agent-enq', 'enq-1'), queue: name });
    await enqueueCommand({ connection: REDIS_URL, queue: name, agentId: 'agent-enq' }, cmd);
    expect(await q.getJobCounts('waiting')).toEqual({ waiting: 1 });
    const job = await q.getJob(r.job_id);
    expect(job?.name).toBe('CHECK_INTEGRATION_STATUS');
    expect(job?.data).toEqual({ agent_id: 'agent-enq', command: cmd });
    expect(job?.opts.attempts).toBeGreaterThan(1);
  });

  it('refuses an invalid command locally with the contract code and issues, enqueueing nothing', async () => {
    const name = `sdk-test-${randomUUID()}`;
    const q = inspect(name);
    const err = await sdkError(
      enqueueCommand(
        { connection: { url: REDIS_URL }, queue: name, agentId: 'agent-enq' },
        { action_id: 'enq-2', command_type: 'CHECK_INTEGRATION_STATUS', params: {} },
      ),
    );
    expect(err.code).toBe('ORC_ERR_CONTRACT_INVALID');
    expect((err.details as { issues: { path: string }[] }).issues[0]?.path).toBe('params.service');
    expect(await q.getJobCounts('waiting')).toEqual({ waiting: 0 });
  });

  it('reuses one connection for many commands with createEnqueuer', async () => {
    const name = `sdk-test-${randomUUID()}`;
    const q = inspect(name);
    const enq = createEnqueuer({ connection: REDIS_URL, queue: name, agentId: 'agent-many' });
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          enq.enqueue({ action_id: `m-${i}`, command_type: 'REFRESH_TOKEN', params: { service: 'shopify' } }),
        ),
      );
    } finally {
      await enq.close();
    }
    expect(await q.getJobCounts('waiting')).toEqual({ waiting: 20 });
  });
});
