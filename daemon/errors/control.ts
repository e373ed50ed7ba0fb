/**
 * Error codes of the control plane: pausing the poller and the kill switch
 * (`/v1/control/*`, `orchestrator pause|resume|halt|release|status`).
 *
 * @example
 * ```ts
 * throw new OrchestratorError(ControlErrors.SAME_PERSON, { subject: 'alice' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const ControlErrors = defineErrors('CONTROL', {
  UNAVAILABLE: {
    status: 503,
    message: 'the switch state cannot be read or written: {reason}',
    doc: 'Redis, which holds the switch state, did not answer. Replicas that cannot read it treat the switch as halted (fail closed). Retry once Redis is back; `GET /readyz` shows the Redis check.',
    retryable: true,
  },
  NOT_HALTED: {
    status: 409,
    message: 'nothing to release: {what} is not halted',
    doc: 'A release names the master switch (no scope) or a scope that is currently halted. `orchestrator status` lists what is halted.',
  },
  SAME_PERSON: {
    status: 409,
    message: 'two-person rule: {subject} requested this release; a different person must confirm it',
    doc: 'With `KILL_SWITCH_TWO_PERSON=true`, releasing the master switch takes two people: the first `release` records a pending request, and only a different token subject can confirm it with a second `release`.',
  },
  ACK_TIMEOUT: {
    status: 504,
    message:
      'switch version {version} is in force, but replicas {replicas} did not acknowledge it within {ms} ms',
    doc: 'The flip is recorded and in force in Redis. The replicas named did not confirm they applied it; a replica that cannot read the switch stops executing by itself once its last read is older than `KILL_SWITCH_STALE_MS`. Check those replicas (`orchestrator status` lists them) before relying on the flip.',
  },
  AUDIT_FAILED: {
    status: 503,
    message: 'the flip to version {version} is in force, but the ledger could not record it: {reason}',
    doc: 'The switch changed in Redis, but its audit row could not be written. The flip stands (a halt is never undone because the audit failed); an alert says so. Repeat the operation once the ledger is back so the audit holds it.',
    retryable: true,
  },
});
