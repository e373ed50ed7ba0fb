/** Error codes of the intake (HTTP and SDK submission). */
import { defineErrors } from './registry.ts';

export const IntakeErrors = defineErrors('INTAKE', {
  CONFLICT: {
    status: 409,
    message: 'action_id {actionId} was already submitted with a different payload',
    doc: 'An agent reused an action_id for a different command. Use a new action_id for a new command; the original is unaffected.',
  },
  UNAVAILABLE: {
    status: 503,
    message: 'command could not be recorded or queued: {reason}',
    doc: 'The ledger or Redis did not answer. Nothing was executed; submit the same command (same action_id) again later.',
    retryable: true,
  },
  QUEUE_NOT_ALLOWED: {
    status: 403,
    message: 'queue {queue} is not one of the configured queues',
    doc: 'The requested queue is not in ORCHESTRATOR_QUEUES.',
  },
});
