/**
 * The agent SDK: how an agent hands a command to the orchestrator and learns what became of it.
 *
 * Two ways in:
 * - over HTTP ({@link submitCommand}, {@link getAction}, {@link waitForAction}) with the agent's
 *   bearer token: the daemon validates, records and queues; the token decides who the agent is;
 * - straight onto BullMQ ({@link enqueueCommand}) for agents inside the trust boundary, whose
 *   identity is the queue they may write. The command is validated locally first, and the
 *   daemon validates it again: the queue is not trusted.
 *
 * Both are idempotent on `action_id`: submitting the same command again never executes it twice,
 * so retrying after a timeout or a 503 is always safe.
 *
 * Every failure is an {@link SdkError} carrying a stable code (`ORC_ERR_*`, see docs/errors.md)
 * and, for validation errors, `details.issues` naming each field. The token never appears in an
 * error.
 *
 * @example
 * ```ts
 * import { submitCommand, waitForAction } from './daemon/sdk/index.ts';
 * const client = { baseUrl: 'http://127.0.0.1:8080', token: process.env.ORCHESTRATOR_TOKEN! };
 * const { action_id } = await submitCommand(client, {
 *   action_id: 'chk-2025-06-01-001',
 *   command_type: 'CHECK_INTEGRATION_STATUS',
 *   params: { service: 'google_drive' },
 * });
 * const action = await waitForAction(client, action_id, { timeoutMs: 30_000 });
 * console.log(action.status, action.decision?.reasons, action.result);
 * ```
 */
export type { ActionListView, ActionSummaryView, ActionView, DecisionView, EventView } from '../api/views.ts';
export {
  decideApproval,
  juryReport,
  listApprovals,
  type PendingApproval,
  retryFailedAlerts,
} from './approvals.ts';
export { SDK_DEFAULTS, SdkError } from './common.ts';
export { type ControlOperation, type ControlScope, control, controlStatus } from './control.ts';
export {
  type Client,
  getAction,
  listActions,
  type RequestOptions,
  type SubmitOptions,
  type SubmitResult,
  submitCommand,
  type WaitOptions,
  waitForAction,
} from './http.ts';
export {
  createEnqueuer,
  DEFAULT_JOB_OPTIONS,
  type EnqueueOptions,
  type EnqueueResult,
  type Enqueuer,
  enqueueCommand,
  jobIdFor,
} from './queue.ts';
