/**
 * The governed pipeline: the path every command takes once a worker picks it up.
 *
 *   QUEUED → EVALUATING → ALLOWED | JUDGING | BLOCKED | REJECTED
 *   JUDGING → APPROVED | NEEDS_APPROVAL          (no jury yet: always NEEDS_APPROVAL)
 *   ALLOWED | APPROVED → EXECUTING → SUCCESS | FAILED
 *
 * Every transition goes through the ledger first (compare-and-set on the previous status) and
 * is then announced on the event bus. Fail closed: if the policy cannot answer the command is
 * BLOCKED with an alert; if the ledger cannot be written nothing executes and the error is
 * rethrown so BullMQ keeps the job and retries it.
 *
 * Exactly-once towards connectors: EXECUTING is entered with a compare-and-set from
 * ALLOWED/APPROVED immediately before the connector call. A job redelivered after a crash that
 * finds the action EXECUTING does not call the connector again: it records FAILED with
 * ORC_ERR_PIPELINE_OUTCOME_UNKNOWN and an alert, so a person reconciles it.
 */
import { ConnectorError, ConnectorNotConfiguredError } from '../../bridges/errors.ts';
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import { payloadHash } from '../contract/canonical.ts';
import { validateCommand } from '../contract/command.ts';
import type { EventBus } from '../core/events.ts';
import {
  type ActionRecord,
  type ActionStatus,
  type Connector,
  type HistoryContext,
  type Ledger,
  type PolicyDecision,
  type PolicyEngine,
  TERMINAL_STATUSES,
  TRANSITIONS,
} from '../core/types.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { PipelineErrors } from '../errors/pipeline.ts';
import { buildPolicyInput } from '../policy/input.ts';

const NO_JURY = 'jury not configured: a person must approve';

function serviceOf(command: Record<string, unknown>): string | undefined {
  const params = (command.params ?? {}) as Record<string, unknown>;
  return typeof params.service === 'string' ? params.service : undefined;
}

type Step = { readonly to: ActionStatus; readonly payload: Record<string, unknown> };

/** The job payload the intake (and the SDK's enqueueCommand) put on the queue. */
export interface CommandJob {
  readonly agent_id?: unknown;
  readonly command?: unknown;
}

export interface PipelineDeps {
  readonly ledger: Ledger;
  readonly policy: PolicyEngine;
  readonly connectors: ConnectorRegistry;
  readonly bus: EventBus;
  readonly historyWindowMs: number;
  readonly maxCommandBytes: number;
  readonly maxStringLength: number;
  /** Called for invalid jobs after they are recorded (the poller moves them to the dead-letter queue). */
  readonly deadLetter: (job: { queue: string; data: unknown; reason: unknown }) => Promise<void>;
  readonly now?: () => Date;
}

/** The outcome of processing one job. */
export interface ProcessResult {
  readonly status: ActionStatus | 'DUPLICATE';
  readonly agentId?: string;
  readonly actionId?: string;
}

const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class Pipeline {
  private readonly d: PipelineDeps;
  constructor(deps: PipelineDeps) {
    this.d = deps;
  }

  /**
   * Processes one job from queue `queue`. Resolves with the status reached; rejects only for
   * transient failures (ledger unavailable…) so the queue retries the job.
   *
   * @example
   * ```ts
   * new Worker(queue, (job) => pipeline.process(queue, job.data), { connection });
   * ```
   */
  async process(queue: string, data: CommandJob): Promise<ProcessResult> {
    const started = performance.now();
    const agentId =
      typeof data?.agent_id === 'string' && AGENT_ID.test(data.agent_id) ? data.agent_id : undefined;
    const v = validateCommand(data?.command, {
      maxBytes: this.d.maxCommandBytes,
      maxStringLength: this.d.maxStringLength,
    });
    if (!agentId || !v.ok) return this.reject(queue, data, agentId, v.ok ? undefined : v.error);
    const command = v.command as unknown as Record<string, unknown> & {
      action_id: string;
      command_type: string;
    };
    this.d.bus.emit('stage', {
      stage: 'validate',
      ms: performance.now() - started,
      commandType: command.command_type,
    });

    const hash = payloadHash(command);
    // The policy's history counts do not depend on this action's record, so both go at once.
    const [{ created, action }, history] = await Promise.all([
      this.d.ledger.createAction({
        agentId,
        actionId: command.action_id,
        commandType: command.command_type,
        command,
        payloadHash: hash,
        queue,
      }),
      this.history(agentId, command),
    ]);
    if (created) this.announce(action, undefined, 'QUEUED', { source: 'queue' });
    if (action.payloadHash !== hash) {
      // The queue is not trusted: a job whose content differs from what was accepted is refused.
      const error = new OrchestratorError(PipelineErrors.PAYLOAD_MISMATCH, { actionId: command.action_id });
      await this.d.deadLetter({ queue, data, reason: error.toJSON() });
      this.alert(
        'payload_mismatch',
        'high',
        `Queued job for ${command.action_id} differs from the accepted command`,
        {
          agent: agentId,
          action_id: command.action_id,
        },
      );
      return { status: 'DUPLICATE', agentId, actionId: command.action_id };
    }
    const result = await this.resume(action, command, history);
    this.d.bus.emit('stage', {
      stage: 'total',
      ms: performance.now() - started,
      commandType: command.command_type,
    });
    return result;
  }

  /** Continues an action from wherever it stands (a redelivered job may find it mid-way). */
  private async resume(
    action: ActionRecord,
    command: Record<string, unknown> & { action_id: string; command_type: string },
    history?: HistoryContext,
  ): Promise<ProcessResult> {
    const ids = { agentId: action.agentId, actionId: action.actionId };
    if (TERMINAL_STATUSES.has(action.status)) return { status: 'DUPLICATE', ...ids };
    if (action.status === 'EXECUTING') {
      await this.move(
        action,
        'FAILED',
        { reason: 'worker stopped during execution; outcome unknown' },
        {
          from: ['EXECUTING'],
          error: {
            code: PipelineErrors.OUTCOME_UNKNOWN.code,
            message: PipelineErrors.OUTCOME_UNKNOWN.message,
          },
        },
      );
      this.alert(
        'outcome_unknown',
        'high',
        `Outcome of ${action.actionId} is unknown after a restart; reconcile it`,
        {
          agent: action.agentId,
          action_id: action.actionId,
          command_type: action.commandType,
        },
      );
      return { status: 'FAILED', ...ids };
    }
    let status: ActionStatus = action.status;
    if (status === 'QUEUED' || status === 'EVALUATING') {
      const outcome = await this.evaluate(
        action,
        command,
        history ?? (await this.history(action.agentId, command)),
      );
      if (outcome === 'RACED') return this.reread(action, command);
      if (typeof outcome === 'object') return this.call(action, command, outcome.connector);
      status = outcome;
    }
    if (status === 'JUDGING') {
      // A redelivered job found the action waiting for the jury, which lands with its own issue:
      // until then a judge-bound command waits for a person.
      if (await this.move(action, 'NEEDS_APPROVAL', { reason: NO_JURY }, { from: ['JUDGING'] })) {
        this.needsApproval(action);
      }
      return { status: 'NEEDS_APPROVAL', ...ids };
    }
    if (status === 'ALLOWED' || status === 'APPROVED') return this.execute(action, command, status);
    return { status, ...ids };
  }

  /** Another worker moved the action first: continue from what the ledger says now. */
  private async reread(
    action: ActionRecord,
    command: Record<string, unknown> & { action_id: string; command_type: string },
  ): Promise<ProcessResult> {
    const now = await this.d.ledger.getAction(action.agentId, action.actionId);
    if (!now) throw new OrchestratorError(PipelineErrors.LOST_ACTION, { actionId: action.actionId });
    return this.resume(now, command);
  }

  /**
   * Decides and records the outcome in one atomic ledger write (decision + EVALUATING + the next
   * statuses). Returns the status reached, the connector to call when the action is now
   * EXECUTING, or RACED when another worker moved the action first.
   */
  private async evaluate(
    action: ActionRecord,
    command: Record<string, unknown> & { command_type: string },
    history: HistoryContext,
  ): Promise<ActionStatus | { connector: Connector } | 'RACED'> {
    const t0 = performance.now();
    const service = serviceOf(command);
    const input = buildPolicyInput(
      command,
      { id: action.agentId, queue: action.queue },
      history,
      (this.d.now ?? (() => new Date()))(),
    );
    const from: ActionStatus[] = [action.status];
    const entering: Step[] = action.status === 'QUEUED' ? [{ to: 'EVALUATING', payload: {} }] : [];

    let decision: PolicyDecision;
    try {
      decision = this.d.policy.decide(input);
    } catch (err) {
      const e =
        err instanceof OrchestratorError
          ? err
          : new OrchestratorError(PipelineErrors.POLICY_UNAVAILABLE, {}, { cause: err });
      if (entering.length > 0 && !(await this.advance(action, entering, from))) return 'RACED';
      await this.move(
        action,
        'BLOCKED',
        { reason: 'policy could not answer; blocked (fail closed)', error: e.message },
        { from: ['EVALUATING'], error: { code: e.code, message: e.message } },
      );
      this.alert(
        'policy_error',
        'critical',
        `Policy could not evaluate ${action.actionId}; blocked`,
        { agent: action.agentId, action_id: action.actionId, error: e.message },
        ['security', 'engineering'],
      );
      return 'BLOCKED';
    }
    this.d.bus.emit('stage', {
      stage: 'policy',
      ms: performance.now() - t0,
      commandType: action.commandType,
    });

    const summary = {
      action: decision.action,
      risk: decision.risk,
      reasons: decision.reasons,
      revision: decision.revision,
    };
    const decided = (): void =>
      this.d.bus.emit('decided', {
        agentId: action.agentId,
        actionId: action.actionId,
        commandType: action.commandType,
        decision,
      });

    if (decision.action === 'block') {
      if (!(await this.advance(action, entering, from, decision))) return 'RACED';
      decided();
      const rationale = `Action blocked by policy: ${decision.reasons.join(' ')}`;
      const summaryLine = `Blocked ${action.commandType}${service ? ` for service ${service}` : ''} requested by agent ${action.agentId}`;
      const alert = decision.alert
        ? {
            kind: 'blocked',
            severity: decision.alert.severity,
            teams: decision.alert.teams,
            summary: summaryLine,
            service: service ?? null,
            agent: action.agentId,
          }
        : null;
      await this.move(
        action,
        'BLOCKED',
        { ...summary, rationale, alert },
        { from: ['EVALUATING'], result: { rationale } },
      );
      if (decision.alert) {
        this.alert(
          'blocked',
          decision.alert.severity,
          summaryLine,
          {
            service: service ?? null,
            agent: action.agentId,
            action_id: action.actionId,
            command_type: action.commandType,
            reasons: decision.reasons,
          },
          decision.alert.teams,
        );
      }
      return 'BLOCKED';
    }

    if (decision.action === 'judge') {
      // The jury lands with its own issue; until then a judge-bound command waits for a person.
      const steps: Step[] = [
        ...entering,
        { to: 'JUDGING', payload: summary },
        { to: 'NEEDS_APPROVAL', payload: { reason: NO_JURY } },
      ];
      if (!(await this.advance(action, steps, from, decision))) return 'RACED';
      decided();
      this.needsApproval(action);
      return 'NEEDS_APPROVAL';
    }

    // allow: ALLOWED and EXECUTING are recorded with the decision, right before the call.
    let connector: Connector;
    try {
      connector = this.d.connectors.forType(action.commandType);
    } catch (err) {
      if (!(err instanceof ConnectorNotConfiguredError)) throw err;
      if (!(await this.advance(action, [...entering, { to: 'ALLOWED', payload: summary }], from, decision))) {
        return 'RACED';
      }
      decided();
      await this.moveThrough(action, 'ALLOWED', 'FAILED', err);
      return 'FAILED';
    }
    const steps: Step[] = [
      ...entering,
      { to: 'ALLOWED', payload: summary },
      { to: 'EXECUTING', payload: { connector: connector.name } },
    ];
    if (!(await this.advance(action, steps, from, decision))) return 'RACED';
    decided();
    return { connector };
  }

  /** The policy's history counts: earlier commands of this type, by service and by agent. */
  private history(
    agentId: string,
    command: Record<string, unknown> & { action_id: string; command_type: string },
  ): Promise<HistoryContext> {
    return this.d.ledger.history({
      commandType: command.command_type,
      service: serviceOf(command),
      agentId,
      windowMs: this.d.historyWindowMs,
      excludeActionId: command.action_id,
    });
  }

  /** Several state-machine edges and the decision in one ledger write, then announced. */
  private async advance(
    action: ActionRecord,
    steps: readonly Step[],
    from: readonly ActionStatus[],
    decision?: PolicyDecision,
  ): Promise<boolean> {
    let prev = from[0]!;
    for (const st of steps) {
      if (!TRANSITIONS[prev].includes(st.to)) throw new Error(`illegal transition ${prev} -> ${st.to}`);
      prev = st.to;
    }
    if (steps.length === 0) {
      if (decision) await this.d.ledger.recordDecision(action.agentId, action.actionId, decision);
      return true;
    }
    const t0 = performance.now();
    const ok = await this.d.ledger.advance(action.agentId, action.actionId, steps, {
      from,
      ...(decision ? { decision } : {}),
    });
    this.d.bus.emit('stage', {
      stage: 'ledger',
      ms: performance.now() - t0,
      commandType: action.commandType,
    });
    if (ok) {
      let f: ActionStatus = from[0]!;
      for (const st of steps) {
        this.announce(action, f, st.to, st.payload);
        f = st.to;
      }
    }
    return ok;
  }

  private needsApproval(action: ActionRecord): void {
    this.alert(
      'needs_approval',
      'warning',
      `${action.commandType} from ${action.agentId} needs approval`,
      { agent: action.agentId, action_id: action.actionId, command_type: action.commandType },
      ['operations'],
    );
  }

  private async execute(
    action: ActionRecord,
    command: Record<string, unknown> & { action_id: string; command_type: string },
    from: 'ALLOWED' | 'APPROVED',
  ): Promise<ProcessResult> {
    const ids = { agentId: action.agentId, actionId: action.actionId };
    let connector: Connector;
    try {
      connector = this.d.connectors.forType(action.commandType);
    } catch (err) {
      const e = err instanceof ConnectorNotConfiguredError ? err : undefined;
      if (!e) throw err;
      // Never entered EXECUTING: nothing was called.
      await this.moveThrough(action, from, 'FAILED', e);
      return { status: 'FAILED', ...ids };
    }
    if (!(await this.move(action, 'EXECUTING', { connector: connector.name }, { from: [from] }))) {
      return this.reread(action, command);
    }
    return this.call(action, command, connector);
  }

  /** Calls the connector for an action that is EXECUTING, then records SUCCESS or FAILED. */
  private async call(
    action: ActionRecord,
    command: Record<string, unknown> & { action_id: string; command_type: string },
    connector: Connector,
  ): Promise<ProcessResult> {
    const ids = { agentId: action.agentId, actionId: action.actionId };
    const t0 = performance.now();
    const controller = new AbortController();
    try {
      const result = await connector.execute(
        {
          command_type: action.commandType,
          params: (command.params ?? {}) as Record<string, unknown>,
          action_id: action.actionId,
        },
        { agentId: action.agentId, actionId: action.actionId, signal: controller.signal },
      );
      const ms = performance.now() - t0;
      this.d.bus.emit('executed', {
        ...ids,
        commandType: action.commandType,
        connector: connector.name,
        ms,
        ok: true,
      });
      this.d.bus.emit('stage', { stage: 'execute', ms, commandType: action.commandType });
      await this.move(
        action,
        'SUCCESS',
        { connector: connector.name, ms: Math.round(ms) },
        { from: ['EXECUTING'], result },
      );
      return { status: 'SUCCESS', ...ids };
    } catch (err) {
      const ms = performance.now() - t0;
      const envelope =
        err instanceof ConnectorError
          ? {
              code: `ORC_ERR_CONNECTOR_${err.code}`,
              message: err.message,
              retryable: err.retryable,
              status: err.status ?? null,
            }
          : {
              code: PipelineErrors.CONNECTOR_CRASHED.code,
              message: 'connector failed unexpectedly',
              retryable: false,
              status: null,
            };
      this.d.bus.emit('executed', {
        ...ids,
        commandType: action.commandType,
        connector: connector.name,
        ms,
        ok: false,
        errorCode: envelope.code,
      });
      await this.move(
        action,
        'FAILED',
        { connector: connector.name, error: envelope },
        {
          from: ['EXECUTING'],
          error: { code: envelope.code, message: envelope.message },
        },
      );
      return { status: 'FAILED', ...ids };
    }
  }

  /** ALLOWED → FAILED is not an edge of the state machine: go through EXECUTING without calling anything. */
  private async moveThrough(
    action: ActionRecord,
    from: ActionStatus,
    to: 'FAILED',
    e: ConnectorNotConfiguredError,
  ): Promise<void> {
    const error = { code: `ORC_ERR_CONNECTOR_${e.code}`, message: e.message };
    if (await this.move(action, 'EXECUTING', { connector: null, skipped: true }, { from: [from] })) {
      await this.move(action, to, { error }, { from: ['EXECUTING'], error });
    }
  }

  /** Records an invalid job as REJECTED (when it can be attributed) and dead-letters it. */
  private async reject(
    queue: string,
    data: CommandJob,
    agentId: string | undefined,
    error: OrchestratorError | undefined,
  ): Promise<ProcessResult> {
    const cmd = (data?.command ?? {}) as Record<string, unknown>;
    const actionId =
      typeof cmd.action_id === 'string' && cmd.action_id.length <= 128 ? cmd.action_id : undefined;
    const reason = error?.toJSON() ?? {
      error: { code: PipelineErrors.UNATTRIBUTED.code, message: PipelineErrors.UNATTRIBUTED.message },
    };
    if (agentId && actionId) {
      const commandType = typeof cmd.command_type === 'string' ? cmd.command_type.slice(0, 64) : 'UNKNOWN';
      const { created, action } = await this.d.ledger.createAction({
        agentId,
        actionId,
        commandType,
        command: { invalid: true },
        payloadHash: 'invalid',
        queue,
      });
      if (created) this.announce(action, undefined, 'QUEUED', { source: 'queue' });
      if (action.status === 'QUEUED') {
        await this.move(
          action,
          'REJECTED',
          { issues: (reason.error as { details?: unknown }).details ?? null, error: reason.error },
          {
            from: ['QUEUED'],
            error: { code: reason.error.code, message: reason.error.message },
          },
        );
      }
    }
    await this.d.deadLetter({ queue, data, reason });
    return { status: 'REJECTED', ...(agentId ? { agentId } : {}), ...(actionId ? { actionId } : {}) };
  }

  /** One state-machine edge: checked against TRANSITIONS, written to the ledger, announced. */
  private async move(
    action: ActionRecord,
    to: ActionStatus,
    payload: Record<string, unknown>,
    opts: {
      from: readonly ActionStatus[];
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    },
  ): Promise<boolean> {
    for (const f of opts.from) {
      if (!TRANSITIONS[f].includes(to)) throw new Error(`illegal transition ${f} -> ${to}`);
    }
    const t0 = performance.now();
    const ok = await this.d.ledger.transition(action.agentId, action.actionId, to, payload, opts);
    this.d.bus.emit('stage', {
      stage: 'ledger',
      ms: performance.now() - t0,
      commandType: action.commandType,
    });
    if (ok) this.announce(action, opts.from[0], to, payload);
    return ok;
  }

  private announce(
    action: ActionRecord,
    from: ActionStatus | undefined,
    to: ActionStatus,
    payload: Record<string, unknown>,
  ): void {
    this.d.bus.emit('transition', {
      agentId: action.agentId,
      actionId: action.actionId,
      commandType: action.commandType,
      from,
      to,
      payload,
    });
  }

  private alert(
    kind: string,
    severity: 'critical' | 'high' | 'warning' | 'info',
    summary: string,
    details: Record<string, unknown>,
    teams: readonly string[] = ['security'],
  ): void {
    const actionId = typeof details.action_id === 'string' ? details.action_id : undefined;
    this.d.bus.emit('alert', {
      kind,
      summary,
      alert: { severity, teams },
      details,
      ...(actionId ? { actionId } : {}),
    });
  }
}
