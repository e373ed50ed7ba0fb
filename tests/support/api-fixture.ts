/**
 * A real Fastify API (buildServer) over in-test seams: a tiny intake on a {@link MemoryLedger},
 * a readiness whose checks the test sets, and real metrics. The intake here checks just enough
 * of the envelope to produce the error kinds the API must map (400 with issues, 409, 503); the
 * real contract and intake are tested on their own.
 *
 * @example
 * ```ts
 * const f = apiFixture();
 * const res = await f.app.inject({ method: 'POST', url: '/v1/commands', headers: f.auth('agentA'), payload: command() });
 * await f.close();
 * ```
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type ServerDeps, buildServer } from '../../daemon/api/server.ts';
import type { IntakeService, ReadinessCheck, SubmitResult } from '../../daemon/core/types.ts';
import { ContractErrors } from '../../daemon/errors/contract.ts';
import { IntakeErrors } from '../../daemon/errors/intake.ts';
import { OrchestratorError } from '../../daemon/errors/registry.ts';
import { createMetrics, type Metrics } from '../../daemon/metrics.ts';
import { MemoryLedger } from './memory-ledger.ts';

export const TOKENS = {
  agentA: { role: 'agent', subject: 'agent-a', token: 'tok-agent-a-0123456789abcdef' },
  agentB: { role: 'agent', subject: 'agent-b', token: 'tok-agent-b-0123456789abcdef-longer' },
  oncall: { role: 'oncall', subject: 'alice', token: 'tok-oncall-0123456789' },
  security: { role: 'security', subject: 'sec-team', token: 'tok-security-0123456789abcdef' },
  admin: { role: 'admin', subject: 'root', token: 'tok-admin-0123456789abcdef' },
} as const;
export type Who = keyof typeof TOKENS;

/** A command the fake intake accepts. */
export function command(actionId = 'chk-1', service = 'google_drive'): Record<string, unknown> {
  return { action_id: actionId, command_type: 'CHECK_INTEGRATION_STATUS', params: { service } };
}

/** Checks the envelope only; records and "enqueues" (counts) like the real intake. */
export class FakeIntake implements IntakeService {
  readonly ledger: MemoryLedger;
  /** Thrown by the next submit (then cleared when `once`). */
  failNext: { error: unknown; once: boolean } | undefined;
  readonly calls: { agent: { id: string; queue?: string }; body: unknown }[] = [];
  enqueued = 0;

  constructor(ledger: MemoryLedger) {
    this.ledger = ledger;
  }

  async submit(
    agent: { readonly id: string; readonly queue?: string },
    body: unknown,
  ): Promise<SubmitResult> {
    this.calls.push({ agent: { ...agent }, body });
    if (this.failNext) {
      const { error, once } = this.failNext;
      if (once) this.failNext = undefined;
      throw error;
    }
    const issues: { path: string; code: string; message: string }[] = [];
    const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<
      string,
      unknown
    >;
    if (b !== body) issues.push({ path: '', code: 'invalid_type', message: 'must be a JSON object' });
    if (typeof b.action_id !== 'string' || b.action_id === '') {
      issues.push({ path: 'action_id', code: 'required', message: 'required' });
    }
    if (typeof b.command_type !== 'string')
      issues.push({ path: 'command_type', code: 'required', message: 'required' });
    if (typeof b.params !== 'object' || b.params === null)
      issues.push({ path: 'params', code: 'required', message: 'required' });
    if (issues.length > 0) {
      throw new OrchestratorError(ContractErrors.INVALID, {
        summary: `${issues[0]!.path || 'command'}: ${issues[0]!.message}`,
        details: { issues },
      });
    }
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    let r: Awaited<ReturnType<MemoryLedger['createAction']>>;
    try {
      r = await this.ledger.createAction({
        agentId: agent.id,
        actionId: b.action_id as string,
        commandType: b.command_type as string,
        command: b,
        payloadHash: hash,
        queue: agent.queue ?? 'agent-commands',
      });
    } catch (err) {
      throw new OrchestratorError(IntakeErrors.UNAVAILABLE, { reason: 'ledger unavailable' }, { cause: err });
    }
    if (!r.created && r.action.payloadHash !== hash) {
      throw new OrchestratorError(IntakeErrors.CONFLICT, { actionId: b.action_id });
    }
    if (r.created) this.enqueued++;
    return { httpStatus: r.created ? 202 : 200, action: r.action };
  }
}

/** Readiness whose checks the test sets; `hang` makes check() never answer. */
export class FakeReadiness {
  checks: Record<string, ReadinessCheck> = {
    redis: { ok: true },
    ledger: { ok: true },
    policy: { ok: true },
  };
  hang = false;
  throws = false;

  async check(): Promise<{ ok: boolean; checks: Record<string, ReadinessCheck> }> {
    if (this.hang) return new Promise(() => {});
    if (this.throws) throw new Error('postgres://user:hunter2@db:5432 refused');
    return { ok: Object.values(this.checks).every((c) => c.ok), checks: { ...this.checks } };
  }
}

export interface ApiFixture {
  readonly app: FastifyInstance;
  readonly ledger: MemoryLedger;
  readonly intake: FakeIntake;
  readonly readiness: FakeReadiness;
  readonly metrics: Metrics;
  /** `{authorization: 'Bearer …'}` for one of {@link TOKENS}. */
  auth(who: Who): { authorization: string };
  close(): Promise<void>;
}

export function apiFixture(overrides: Partial<ServerDeps> = {}): ApiFixture {
  const ledger = new MemoryLedger();
  const intake = new FakeIntake(ledger);
  const readiness = new FakeReadiness();
  const metrics = createMetrics({ defaultMetrics: false });
  const app = buildServer({
    intake,
    ledger,
    readiness,
    metrics,
    tokens: Object.values(TOKENS),
    bodyLimit: 4_096,
    rateLimitPerMinute: 1_000,
    readinessTimeoutMs: 200,
    ...overrides,
  });
  return {
    app,
    ledger,
    intake,
    readiness,
    metrics,
    auth: (who) => ({ authorization: `Bearer ${TOKENS[who].token}` }),
    close: () => app.close(),
  };
}
