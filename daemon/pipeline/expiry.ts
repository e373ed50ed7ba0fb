/**
 * Approvals that lapse unused. A person's grant is good for `APPROVAL_GRANT_TTL_MS`; if the
 * pipeline has not used it by then (the poller was paused, the daemon was down), the action
 * ends EXPIRED with an alert to operations instead of waiting for ever or running late.
 */
import type { ApprovalGrant, Ledger } from '../core/types.ts';
import { ApprovalErrors } from '../errors/approvals.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { Recorder } from './recorder.ts';

/**
 * Ends EXPIRED the actions whose approval lapsed (at most `limit`, or the one action named).
 * Each move is a compare-and-set from NEEDS_APPROVAL, so replicas sweeping at once expire each
 * action once. Returns how many actions it ended.
 *
 * @example
 * ```ts
 * setInterval(() => void expireLapsed(ledger, recorder, { limit: 100 }), 60_000);
 * ```
 */
export async function expireLapsed(
  ledger: Ledger,
  rec: Recorder,
  q: { limit: number; agentId?: string; actionId?: string },
): Promise<number> {
  let ended = 0;
  for (const grant of await ledger.lapsedGrants(q)) {
    if (await expire(ledger, rec, grant)) ended++;
  }
  return ended;
}

async function expire(ledger: Ledger, rec: Recorder, grant: ApprovalGrant): Promise<boolean> {
  const action = await ledger.getAction(grant.agentId, grant.actionId);
  if (action?.status !== 'NEEDS_APPROVAL') return false;
  const error = new OrchestratorError(ApprovalErrors.GRANT_EXPIRED, {
    actionId: grant.actionId,
    approver: grant.approver,
  });
  const moved = await rec.move(
    action,
    'EXPIRED',
    { approver: grant.approver, expired_at: grant.expiresAt, reason: error.message },
    { from: ['NEEDS_APPROVAL'], error: { code: error.code, message: error.message } },
  );
  if (moved) {
    rec.alert(
      'approval_expired',
      'warning',
      `Approval of ${action.commandType} ${action.actionId} by ${grant.approver} expired before it ran`,
      {
        agent: action.agentId,
        action_id: action.actionId,
        command_type: action.commandType,
        approver: grant.approver,
        expired_at: grant.expiresAt,
      },
      ['operations'],
    );
  }
  return moved;
}
