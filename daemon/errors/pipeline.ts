/** Error codes of the governed pipeline (daemon/pipeline). */
import { defineErrors } from './registry.ts';

export const PipelineErrors = defineErrors('PIPELINE', {
  PAYLOAD_MISMATCH: {
    status: 409,
    message: 'queued job for {actionId} differs from the command accepted at intake',
    doc: 'Something with Redis access changed or forged a job. The job is dead-lettered and security is alerted; the accepted command is unaffected.',
  },
  OUTCOME_UNKNOWN: {
    status: 500,
    message: 'worker stopped while the connector call was in flight; outcome unknown',
    doc: 'A daemon died between starting a connector call and recording its result. The call is not repeated; check the target system and reconcile by hand.',
  },
  POLICY_UNAVAILABLE: {
    status: 503,
    message: 'policy engine could not evaluate the command',
    doc: 'The policy engine failed in an unexpected way. The command is BLOCKED (fail closed) and an alert is raised.',
  },
  CONNECTOR_CRASHED: {
    status: 502,
    message: 'connector failed unexpectedly',
    doc: 'A connector threw something other than a connector error. The command is FAILED; see the daemon log for the cause.',
  },
  UNATTRIBUTED: {
    status: 400,
    message: 'job has no valid agent_id or action_id',
    doc: 'A job on the queue could not be attributed to an agent and action. It is moved to the dead-letter queue without a ledger record.',
  },
  LOST_ACTION: {
    status: 500,
    message: 'action {actionId} vanished from the ledger',
    doc: 'The ledger no longer has an action the pipeline was processing. The job is retried; if it persists, check the ledger database.',
    retryable: true,
  },
});
