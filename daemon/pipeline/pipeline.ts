/**
 * The governed pipeline: the path every command takes once a worker picks it up.
 *
 *   QUEUED → EVALUATING → ALLOWED | JUDGING | BLOCKED | REJECTED
 *   JUDGING → APPROVED | NEEDS_APPROVAL          (no jury yet: always NEEDS_APPROVAL)
 *   ALLOWED | APPROVED → EXECUTING → SUCCESS | FAILED
 *   ALLOWED | APPROVED (| EXECUTING, before the call) → HELD   (the kill switch is on)
 *   HELD + a release → EVALUATING (the current policy decides again)
 *   NEEDS_APPROVAL + a person's grant → APPROVED (executed) | BLOCKED (the policy now blocks)
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
import { ConnectorNotConfiguredError } from '../../bridges/errors.ts';
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
} from '../core/types.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { type HistoryStore, LedgerHistory } from '../history/history.ts';
import { PipelineErrors } from '../errors/pipeline.ts';
import type { JuryRequest, JuryResult } from '../../judges/jury.ts';
import { buildPolicyInput } from '../policy/input.ts';
import { failWithoutCall, heldPayload, runConnector } from './executor.ts';
import { runApproved, type ApprovalStep } from './approval-step.ts';
import { expireLapsed } from './expiry.ts';
import { askJury, serviceOf } from './jury-step.ts';
import { allowFast, type FastOutcome, type FastPathDeps } from './fast-path.ts';
import { type ExecutionGate, OPEN_GATE } from './gate.ts';
import { Recorder, type Step } from './recorder.ts';
import type { ProcessResult } from './result.ts';

const NO_JURY = 'jury not configured: a person must approve';

/** The job payload the intake (and the SDK's enqueueCommand) put on the queue. */
export interface CommandJob {
  readonly agent_id?: unknown;
  readonly command?: unknown;
  /**
   * Set by the HTTP intake and approval requeues: the ledger already holds the action. Only a
   * hint for which path to take (the queue is not trusted): a wrong value costs one extra
   * statement, never a skipped check.
   */
  readonly recorded?: unknown;
}

export interface PipelineDeps {
  readonly ledger: Ledger;
  readonly policy: PolicyEngine;
  readonly connectors: ConnectorRegistry;
  readonly bus: EventBus;
  readonly historyWindowMs: number;
  /** Where the policy's history counts come from. @defaultValue the ledger's rows ({@link LedgerHistory}) */
  readonly history?: HistoryStore | undefined;
  readonly maxCommandBytes: number;
  readonly maxStringLength: number;
  /** The LLM jury for judge-bound commands; without it they wait for a person. */
  readonly jury?: ((request: JuryRequest) => Promise<JuryResult>) | undefined;
  /** Shadow mode: record the jury's verdict but send every judge-bound command to a person. */
  readonly juryShadow?: boolean | undefined;
  /** Called for invalid jobs after they are recorded (the poller moves them to the dead-letter queue). */
  readonly deadLetter: (job: { queue: string; data: unknown; reason: unknown }) => Promise<void>;
  /** The kill switch's gate, asked before every connector call. @defaultValue always open */
  readonly gate?: ExecutionGate | undefined;
  readonly now?: () => Date;
}

export type { ProcessResult };

const AGENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class Pipeline {
  private readonly d: PipelineDeps;
  private readonly rec: Recorder;
  private readonly historyStore: HistoryStore;
  private readonly gate: ExecutionGate;
  private readonly steps: ApprovalStep;
  private readonly fastDeps: FastPathDeps;
  constructor(deps: PipelineDeps) {
    this.d = deps;
    this.gate = deps.gate ?? OPEN_GATE;
    this.historyStore = deps.history ?? new LedgerHistory(deps.ledger, deps.historyWindowMs);
    this.rec = new Recorder(deps.ledger, deps.bus, this.historyStore);
    this.fastDeps = { ...deps, gate: this.gate };
    this.steps = {
      ledger: deps.ledger,
      policy: deps.policy,
      rec: this.rec,
      now: deps.now,
      history: (agentId, command) => this.history(agentId, command),
      reread: (action, command) => this.reread(action, command),
      execute: (action, command, from) => this.execute(action, command, from),
    };
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
    const history = await this.history(agentId, command);
    const fast: FastOutcome =
      data.recorded === true
        ? {}
        : await allowFast(this.fastDeps, this.rec, { queue, agentId, command, payloadHash: hash, history });
    if (fast.done) {
      this.d.bus.emit('stage', {
        stage: 'total',
        ms: performance.now() - started,
        commandType: command.command_type,
      });
      return fast.done;
    }
    const { created, action } = await this.d.ledger.createAction({
      agentId,
      actionId: command.action_id,
      commandType: command.command_type,
      command,
      payloadHash: hash,
      queue,
    });
    if (created) this.rec.announce(action, undefined, 'QUEUED', { source: 'queue' });
    if (action.payloadHash !== hash) {
      // The queue is not trusted: a job whose content differs from what was accepted is refused.
      const error = new OrchestratorError(PipelineErrors.PAYLOAD_MISMATCH, { actionId: command.action_id });
      await this.d.deadLetter({ queue, data, reason: error.toJSON() });
      this.rec.alert(
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
    const result = await this.resume(action, command, history, fast.decided);
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
    decided?: PolicyDecision,
  ): Promise<ProcessResult> {
    const ids = { agentId: action.agentId, actionId: action.actionId };
    if (action.status === 'NEEDS_APPROVAL') return runApproved(this.steps, action, command, history);
    if (TERMINAL_STATUSES.has(action.status)) return { status: 'DUPLICATE', ...ids };
    if (action.status === 'HELD' && this.stillHeld(action)) return { status: 'HELD', ...ids };
    if (action.status === 'EXECUTING') {
      await this.rec.move(
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
      this.rec.alert(
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
    if (status === 'QUEUED' || status === 'EVALUATING' || status === 'HELD') {
      const outcome = await this.evaluate(
        action,
        command,
        history ?? (await this.history(action.agentId, command)),
        decided,
      );
      if (outcome === 'RACED') return this.reread(action, command);
      if (typeof outcome === 'object')
        return runConnector(this.rec, this.d.bus, action, command, outcome.connector, this.gate);
      status = outcome;
    }
    if (status === 'JUDGING') {
      // A redelivered job found the action waiting for the jury, which lands with its own issue:
      // until then a judge-bound command waits for a person.
      if (await this.rec.move(action, 'NEEDS_APPROVAL', { reason: NO_JURY }, { from: ['JUDGING'] })) {
        this.rec.needsApproval(action);
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
    given?: PolicyDecision,
  ): Promise<ActionStatus | { connector: Connector } | 'RACED'> {
    const t0 = performance.now();
    const service = serviceOf(command);
    const from: ActionStatus[] = [action.status];
    // A held action enters EVALUATING again: the policy in force now decides, not the one that
    // allowed it before the halt.
    const entering: Step[] =
      action.status === 'QUEUED' || action.status === 'HELD'
        ? [{ to: 'EVALUATING', payload: action.status === 'HELD' ? { released: true } : {} }]
        : [];

    let decision: PolicyDecision;
    try {
      // The fast path may have decided already for this job; the policy is not asked twice.
      decision =
        given ??
        this.d.policy.decide(
          buildPolicyInput(
            command,
            { id: action.agentId, queue: action.queue },
            history,
            (this.d.now ?? (() => new Date()))(),
          ),
        );
    } catch (err) {
      const e =
        err instanceof OrchestratorError
          ? err
          : new OrchestratorError(PipelineErrors.POLICY_UNAVAILABLE, {}, { cause: err });
      if (entering.length > 0 && !(await this.rec.advance(action, entering, from))) return 'RACED';
      await this.rec.move(
        action,
        'BLOCKED',
        { reason: 'policy could not answer; blocked (fail closed)', error: e.message },
        { from: ['EVALUATING'], error: { code: e.code, message: e.message } },
      );
      this.rec.alert(
        'policy_error',
        'critical',
        `Policy could not evaluate ${action.actionId}; blocked`,
        { agent: action.agentId, action_id: action.actionId, error: e.message },
        ['security', 'engineering'],
      );
      return 'BLOCKED';
    }
    if (!given) {
      this.d.bus.emit('stage', {
        stage: 'policy',
        ms: performance.now() - t0,
        commandType: action.commandType,
      });
    }

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
      if (!(await this.rec.advance(action, entering, from, decision))) return 'RACED';
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
      await this.rec.move(
        action,
        'BLOCKED',
        { ...summary, rationale, alert },
        { from: ['EVALUATING'], result: { rationale } },
      );
      // Every block alerts, even when the policy attached no alert to it: security must hear
      // about each one (the alerts module raises a block to at least high severity).
      this.rec.alert(
        'blocked',
        decision.alert?.severity ?? 'high',
        summaryLine,
        {
          service: service ?? null,
          agent: action.agentId,
          action_id: action.actionId,
          command_type: action.commandType,
          reasons: decision.reasons,
        },
        decision.alert?.teams ?? ['security', 'engineering'],
      );
      return 'BLOCKED';
    }

    if (decision.action === 'judge' && this.d.jury) {
      if (
        !(await this.rec.advance(action, [...entering, { to: 'JUDGING', payload: summary }], from, decision))
      ) {
        return 'RACED';
      }
      decided();
      return askJury(this.d, this.rec, action, command, decision, history);
    }

    if (decision.action === 'judge') {
      // No jury configured: a judge-bound command waits for a person.
      const steps: Step[] = [
        ...entering,
        { to: 'JUDGING', payload: summary },
        { to: 'NEEDS_APPROVAL', payload: { reason: NO_JURY } },
      ];
      if (!(await this.rec.advance(action, steps, from, decision))) return 'RACED';
      decided();
      this.rec.needsApproval(action);
      return 'NEEDS_APPROVAL';
    }

    // allow: ALLOWED and EXECUTING are recorded with the decision, right before the call.
    let connector: Connector;
    try {
      connector = this.d.connectors.forType(action.commandType);
    } catch (err) {
      if (!(err instanceof ConnectorNotConfiguredError)) throw err;
      if (
        !(await this.rec.advance(action, [...entering, { to: 'ALLOWED', payload: summary }], from, decision))
      ) {
        return 'RACED';
      }
      decided();
      await failWithoutCall(this.rec, action, 'ALLOWED', err);
      return 'FAILED';
    }
    // The gate comes before EXECUTING: a halted action is kept (HELD), never lost or half-run.
    const verdict = this.gate.check({
      agentId: action.agentId,
      actionId: action.actionId,
      commandType: action.commandType,
      connector: connector.name,
    });
    const steps: Step[] = [
      ...entering,
      { to: 'ALLOWED', payload: summary },
      verdict.open
        ? { to: 'EXECUTING', payload: { connector: connector.name } }
        : { to: 'HELD', payload: heldPayload(verdict, connector.name) },
    ];
    if (!(await this.rec.advance(action, steps, from, decision))) return 'RACED';
    decided();
    return verdict.open ? { connector } : 'HELD';
  }

  /** Whether the kill switch still holds a HELD action (then a job for it changes nothing). */
  private stillHeld(action: ActionRecord): boolean {
    let connector: string;
    try {
      connector = this.d.connectors.forType(action.commandType).name;
    } catch {
      // No connector: re-evaluating ends it FAILED without a call, which the switch allows.
      return false;
    }
    return !this.gate.check({
      agentId: action.agentId,
      actionId: action.actionId,
      commandType: action.commandType,
      connector,
    }).open;
  }

  /**
   * Ends EXPIRED the actions whose approval lapsed unused (the daemon calls this every
   * `APPROVAL_SWEEP_INTERVAL_MS`). Returns how many it ended.
   */
  expireLapsedApprovals(limit = 100): Promise<number> {
    return expireLapsed(this.d.ledger, this.rec, { limit });
  }

  /** The policy's history counts: earlier commands of this type, by service and by agent. */
  private history(
    agentId: string,
    command: Record<string, unknown> & { action_id: string; command_type: string },
  ): Promise<HistoryContext> {
    return this.historyStore.observe({
      agentId,
      actionId: command.action_id,
      commandType: command.command_type,
      service: serviceOf(command),
    });
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
      await failWithoutCall(this.rec, action, from, e);
      return { status: 'FAILED', ...ids };
    }
    const verdict = this.gate.check({ ...ids, commandType: action.commandType, connector: connector.name });
    if (!verdict.open) {
      if (!(await this.rec.move(action, 'HELD', heldPayload(verdict, connector.name), { from: [from] }))) {
        return this.reread(action, command);
      }
      return { status: 'HELD', ...ids };
    }
    if (!(await this.rec.move(action, 'EXECUTING', { connector: connector.name }, { from: [from] }))) {
      return this.reread(action, command);
    }
    return runConnector(this.rec, this.d.bus, action, command, connector, this.gate);
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
      if (created) this.rec.announce(action, undefined, 'QUEUED', { source: 'queue' });
      if (action.status === 'QUEUED') {
        await this.rec.move(
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
}
