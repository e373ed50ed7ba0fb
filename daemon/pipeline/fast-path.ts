/**
 * The hot path for a command that arrives straight on the queue (the SDK's `enqueueCommand`)
 * and that the policy allows: decide first, then record the action, its decision and
 * QUEUED → EVALUATING → ALLOWED → EXECUTING in one ledger write, then call the connector. One
 * write fewer per command than recording the action and then advancing it, and the fail-closed
 * order is unchanged: nothing runs before the decision and EXECUTING are durable.
 *
 * A closed kill-switch gate, or anything else (the action already exists — the HTTP intake recorded it, or the job is a
 * redelivery —, a judge or block decision, a policy error, no connector) returns undefined and
 * the ordinary path takes over, where alerts, the jury and races are handled.
 */
import type { ConnectorRegistry } from '../../connectors/registry.ts';
import type { EventBus } from '../core/events.ts';
import type {
  ActionStatus,
  Connector,
  HistoryContext,
  Ledger,
  PolicyDecision,
  PolicyEngine,
} from '../core/types.ts';
import { buildPolicyInput } from '../policy/input.ts';
import { runConnector } from './executor.ts';
import type { ExecutionGate } from './gate.ts';
import type { Recorder, Step } from './recorder.ts';

export interface FastPathDeps {
  readonly ledger: Ledger;
  readonly policy: PolicyEngine;
  readonly connectors: ConnectorRegistry;
  readonly bus: EventBus;
  /** The kill switch's gate: a closed gate leaves the command to the ordinary path (HELD). */
  readonly gate: ExecutionGate;
  readonly now?: (() => Date) | undefined;
}

/** What the fast path needs to know about the job. */
export interface FastPathJob {
  readonly queue: string;
  readonly agentId: string;
  readonly command: Record<string, unknown> & { action_id: string; command_type: string };
  readonly payloadHash: string;
  readonly history: HistoryContext;
}

/**
 * What the fast path did: ran the command (`done`), or left it to the ordinary path with the
 * decision it already made (`decided`; absent when the policy could not answer), so the policy
 * is not asked twice for the same command.
 */
export type FastOutcome =
  | { readonly done: { status: 'SUCCESS' | 'FAILED' | 'HELD'; agentId: string; actionId: string } }
  | { readonly done?: undefined; readonly decided?: PolicyDecision };

/**
 * Runs an allowed, not yet recorded command end to end, or hands it to the ordinary path
 * (nothing has been written then).
 *
 * @example
 * ```ts
 * const fast = await allowFast(deps, recorder, { queue, agentId, command, payloadHash, history });
 * if (fast.done) return fast.done;
 * return ordinaryPath(fast.decided);
 * ```
 */
export async function allowFast(d: FastPathDeps, rec: Recorder, job: FastPathJob): Promise<FastOutcome> {
  const { command, agentId } = job;
  const t0 = performance.now();
  let decision: PolicyDecision;
  try {
    decision = d.policy.decide(
      buildPolicyInput(
        command,
        { id: agentId, queue: job.queue },
        job.history,
        (d.now ?? (() => new Date()))(),
      ),
    );
  } catch {
    // The ordinary path asks again and records the failure (BLOCKED, with an alert).
    return {};
  }
  d.bus.emit('stage', { stage: 'policy', ms: performance.now() - t0, commandType: command.command_type });
  if (decision.action !== 'allow') return { decided: decision };
  let connector: Connector;
  try {
    connector = d.connectors.forType(command.command_type);
  } catch {
    // The ordinary path records FAILED (no connector) with the decision.
    return { decided: decision };
  }
  // A halt covering this command: the ordinary path records it HELD, to be released later.
  const subject = {
    agentId,
    actionId: command.action_id,
    commandType: command.command_type,
    connector: connector.name,
  };
  if (!d.gate.check(subject).open) return { decided: decision };

  const steps: Step[] = [
    { to: 'EVALUATING', payload: {} },
    {
      to: 'ALLOWED',
      payload: {
        action: decision.action,
        risk: decision.risk,
        reasons: decision.reasons,
        revision: decision.revision,
      },
    },
    { to: 'EXECUTING', payload: { connector: connector.name } },
  ];
  const t1 = performance.now();
  const action = await d.ledger.createAdvanced(
    {
      agentId,
      actionId: command.action_id,
      commandType: command.command_type,
      command,
      payloadHash: job.payloadHash,
      queue: job.queue,
    },
    steps,
    decision,
  );
  d.bus.emit('stage', { stage: 'ledger', ms: performance.now() - t1, commandType: command.command_type });
  if (!action) return { decided: decision };

  rec.announce(action, undefined, 'QUEUED', { source: 'queue' });
  let from: ActionStatus = 'QUEUED';
  for (const st of steps) {
    rec.announce(action, from, st.to, st.payload);
    from = st.to;
  }
  d.bus.emit('decided', {
    agentId,
    actionId: action.actionId,
    commandType: action.commandType,
    decision,
  });
  // runConnector asks the gate once more in the step that starts the call.
  return { done: await runConnector(rec, d.bus, action, command, connector, d.gate) };
}
