/**
 * The approval step of the pipeline: a job for an action that waits for a person runs only with
 * an unused, unexpired approval of this exact command, and only if the current policy does not
 * block it now.
 */
import type { ActionRecord, HistoryContext, Ledger, PolicyDecision, PolicyEngine } from '../core/types.ts';
import { buildPolicyInput } from '../policy/input.ts';
import { expireLapsed } from './expiry.ts';
import type { Recorder } from './recorder.ts';
import type { ProcessResult } from './result.ts';

type Command = Record<string, unknown> & { action_id: string; command_type: string };

/** What the approval step needs of the pipeline. */
export interface ApprovalStep {
  readonly ledger: Ledger;
  readonly policy: PolicyEngine;
  readonly rec: Recorder;
  readonly now?: (() => Date) | undefined;
  history(agentId: string, command: Command): Promise<HistoryContext>;
  /** Continues from what the ledger says now (another worker moved the action first). */
  reread(action: ActionRecord, command: Command): Promise<ProcessResult>;
  /** Runs the connector of an APPROVED action (gate, EXECUTING, call, result). */
  execute(action: ActionRecord, command: Command, from: 'ALLOWED' | 'APPROVED'): Promise<ProcessResult>;
}

/**
 * A job for an action waiting for a person (requeued by `POST /v1/approvals`, or a replay).
 * Only an unused, unexpired approve grant for this exact command moves it on, and consuming
 * it is atomic, so a replayed job or approval does nothing the second time. The current policy
 * decides again first: a block now wins over the approval.
 *
 * @example
 * ```ts
 * if (action.status === 'NEEDS_APPROVAL') return runApproved(steps, action, command);
 * ```
 */
export async function runApproved(
  c: ApprovalStep,
  action: ActionRecord,
  command: Command,
  history?: HistoryContext,
): Promise<ProcessResult> {
  const ids = { agentId: action.agentId, actionId: action.actionId };
  const grant = await c.ledger.consumeGrant(action.agentId, action.actionId);
  if (!grant) {
    // An approval that lapsed unused ends the action now rather than at the next sweep.
    const expired = await expireLapsed(c.ledger, c.rec, { limit: 1, ...ids });
    return { status: expired > 0 ? 'EXPIRED' : 'DUPLICATE', ...ids };
  }
  if (grant.decision !== 'approve') return { status: 'DUPLICATE', ...ids };
  if (grant.paramsDigest !== action.payloadHash) {
    c.rec.alert('approval_mismatch', 'high', `Approval of ${action.actionId} was for another command`, {
      agent: action.agentId,
      action_id: action.actionId,
      approver: grant.approver,
    });
    return { status: 'DUPLICATE', ...ids };
  }
  const input = buildPolicyInput(
    command,
    { id: action.agentId, queue: action.queue },
    history ?? (await c.history(action.agentId, command)),
    (c.now ?? (() => new Date()))(),
  );
  let decision: PolicyDecision | undefined;
  let failure: string | undefined;
  try {
    decision = c.policy.decide(input);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  const approval = {
    approver: grant.approver,
    reason: grant.reason,
    granted_revision: grant.policyRevision,
  };
  if (!decision || decision.action === 'block') {
    // Fail closed: a policy that blocks now, or cannot answer, wins over the person's approval.
    const reasons = decision?.reasons ?? [`policy could not answer: ${failure}`];
    const rationale = `Approved by ${grant.approver}, but blocked by the current policy: ${reasons.join(' ')}`;
    const step = { to: 'BLOCKED' as const, payload: { rationale, approval, reasons } };
    if (!(await c.rec.advance(action, [step], ['NEEDS_APPROVAL'], decision))) {
      return c.reread(action, command);
    }
    c.rec.alert(
      'approval_overridden',
      decision?.alert?.severity ?? 'high',
      rationale,
      { agent: action.agentId, action_id: action.actionId, command_type: action.commandType, reasons },
      decision?.alert?.teams ?? ['security', 'operations'],
    );
    return { status: 'BLOCKED', ...ids };
  }
  const step = { to: 'APPROVED' as const, payload: { ...approval, revision: decision.revision } };
  if (!(await c.rec.advance(action, [step], ['NEEDS_APPROVAL'], decision))) {
    return c.reread(action, command);
  }
  return c.execute(action, command, 'APPROVED');
}
