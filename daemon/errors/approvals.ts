/**
 * Error codes of human approvals (`POST /v1/approvals/:action_id`). A person's decision is a
 * single-use grant bound to the command's digest; these codes say why one was not recorded.
 *
 * @example
 * ```ts
 * throw new OrchestratorError(ApprovalErrors.SELF_APPROVAL, { actionId: 'refresh-1' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const ApprovalErrors = defineErrors('APPROVAL', {
  NOT_PENDING: {
    status: 404,
    message: 'action {actionId} is not waiting for approval',
    doc: 'No action with this id is in NEEDS_APPROVAL: it does not exist, or it was already decided (by a person, the jury or the policy). `GET /v1/approvals` lists the actions that wait.',
  },
  SELF_APPROVAL: {
    status: 403,
    message: 'the approver may not be the agent that submitted action {actionId}',
    doc: 'Four eyes: the token subject deciding an approval must differ from the agent that submitted the command. Ask another person (oncall, security or admin).',
  },
  ALREADY_DECIDED: {
    status: 409,
    message: 'action {actionId} already has a decision',
    doc: 'A grant is single use and one per action: a person already approved or rejected this command. Replaying the request changes nothing.',
  },
  GRANT_EXPIRED: {
    status: 410,
    message: 'the approval of action {actionId} by {approver} expired before it was used',
    doc: 'A person approved the command, but the grant lapsed (`APPROVAL_GRANT_TTL_MS`, one hour by default) before the pipeline ran it — for example while the poller was paused. The action ends EXPIRED and nothing executes. If it is still wanted, the agent submits it again under a new action_id and a person decides again.',
  },
  POLICY_UNAVAILABLE: {
    status: 503,
    message: 'no policy is loaded; approvals cannot be bound to a revision',
    doc: 'A grant records the policy revision in force; the daemon has none loaded yet. Retry once `/readyz` reports the policy ready.',
    retryable: true,
  },
});
