/**
 * Error codes of alert delivery (daemon/alerts). Sink failures are split by what retrying can
 * do: `SINK_UNAVAILABLE` (network error, timeout, 429, 5xx) is retried with backoff until the
 * sink answers; `SINK_REJECTED` (any other 4xx) is final, since the same request will be
 * refused again.
 *
 * @example
 * ```ts
 * throw new SinkUnavailableError({ sink: 'slack', reason: 'HTTP 503' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const AlertErrors = defineErrors('ALERTS', {
  SINK_UNAVAILABLE: {
    status: 503,
    message: 'alert sink {sink} unavailable: {reason}',
    doc: 'The sink did not accept the alert (network error, timeout, HTTP 429 or 5xx). The delivery job is retried with exponential backoff (`ALERT_ATTEMPTS`, `ALERT_BACKOFF_MS`, `ALERT_BACKOFF_MAX_MS`); nothing is lost while attempts remain.',
    retryable: true,
  },
  SINK_REJECTED: {
    status: 502,
    message: 'alert sink {sink} rejected the alert: {reason}',
    doc: 'The sink answered a 4xx other than 429 (bad webhook URL, revoked routing key, invalid payload). The job fails at once and stays in the failed set of the alert queue; fix the sink configuration, then retry the failed jobs.',
  },
  TRIGGER_PENDING: {
    status: 503,
    message: 'resolve of {dedupKey} waits for its trigger to be delivered to {sink}',
    doc: 'A resolve must not overtake its trigger (PagerDuty would open an incident that nothing closes). The resolve job is retried until the trigger job has finished.',
    retryable: true,
  },
  ENQUEUE_FAILED: {
    status: 503,
    message: 'alert {dedupKey} could not be queued for {sink}: {reason}',
    doc: 'Redis did not take the delivery job (Redis down or slow). The alert is written to the daemon log at error level instead and counted in `orchestrator_alert_enqueue_failures_total`; the pipeline carries on (its own fail-closed checks are unaffected).',
    retryable: true,
  },
  INVALID: {
    status: 400,
    message: 'invalid alert: {problems}',
    doc: 'An alert did not fit the model (`daemon/alerts/model.ts`): the message names each bad field. Raised alerts are logged and dropped; a queued job with an invalid alert fails without retry.',
  },
});
