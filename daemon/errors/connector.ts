/**
 * Connector error codes. Bridges and connectors may not import the daemon, so they raise
 * `ConnectorError`s with a short code (bridges/errors.ts); the pipeline records them as
 * `ORC_ERR_CONNECTOR_<code>`, documented here.
 */
import { defineErrors } from './registry.ts';

export const ConnectorErrors = defineErrors('CONNECTOR', {
  TIMEOUT: {
    status: 504,
    message: 'connector call timed out',
    doc: 'The target did not answer within the bridge timeout (per attempt). The command is FAILED; check the target and resubmit with a new action_id if needed.',
    retryable: true,
  },
  NETWORK: {
    status: 502,
    message: 'connector could not reach the target',
    doc: 'Connection refused, reset or DNS failure. Retried with backoff; FAILED once retries are exhausted.',
    retryable: true,
  },
  HTTP_5XX: {
    status: 502,
    message: 'target answered with a server error',
    doc: 'The target returned 5xx. Retried with backoff; FAILED once retries are exhausted.',
    retryable: true,
  },
  RATE_LIMITED: {
    status: 429,
    message: 'target is rate limiting',
    doc: 'The target returned 429 or 408. Retried with backoff; lower the command rate if it persists.',
    retryable: true,
  },
  HTTP_4XX: {
    status: 502,
    message: 'target refused the request',
    doc: 'The target returned a 4xx other than 408/429 (e.g. 401/403: credentials or deployment access). Not retried.',
  },
  BAD_RESPONSE: {
    status: 502,
    message: 'target answered with something that is not the expected JSON',
    doc: 'Typically an Apps Script crash page or a proxy error page. Not retried; check the script executions log.',
  },
  REMOTE_ERROR: {
    status: 502,
    message: 'target reported an error',
    doc: 'The script ran and reported an error (its code is kept, e.g. BAD_SIGNATURE: the secrets differ). Not retried unless the script marks it retryable.',
  },
  CIRCUIT_OPEN: {
    status: 503,
    message: 'circuit breaker is open; the call was not attempted',
    doc: 'Too many consecutive failures: calls fail fast until a half-open probe succeeds. Nothing reached the target. See runbooks for an open circuit breaker.',
    retryable: true,
  },
  NOT_CONFIGURED: {
    status: 501,
    message: 'no connector is configured for this command type',
    doc: 'The command type has no configured connector (e.g. APPS_SCRIPT_URL and APPS_SCRIPT_SECRET unset). The command is FAILED without any call.',
  },
  CANCELLED: {
    status: 503,
    message: 'connector call was cancelled',
    doc: 'The daemon cancelled the call (shutdown). The outcome at the target is unknown; reconcile before resubmitting.',
  },
  INVALID_REQUEST: {
    status: 400,
    message: 'connector could not build the request',
    doc: 'The command parameters could not be encoded for the target (for checkout: a variant or draft order id that is not a Shopify id). The message names the field. Not retried.',
  },
  TOTAL_MISMATCH: {
    status: 409,
    message: 'the stated amount or currency does not match what the target computed',
    doc: 'Checkout: `total_amount` (or `currency`) differs from the total Shopify computed for the cart or holds for the draft order; the message gives both. Nothing was charged or completed; recheck the cart and resubmit with the computed total.',
  },
  CONFLICT: {
    status: 409,
    message: 'the request conflicts with state recorded earlier',
    doc: 'Checkout: the payment reference was already used for another draft order, the draft is being paid with another reference, or its completion is in progress under another action (retryable: try again later); nothing was completed by this command. Sessions: two moves of the same leg raced and the other one was applied (compare-and-set); read the session (`GET /v1/sessions/:id`) and submit a new command if the move still makes sense.',
  },
  CHECKOUT_FAILED: {
    status: 502,
    message: 'checkout could not be completed after payment; a refund was requested',
    doc: 'Checkout: Shopify refused to complete the draft order (e.g. out of stock). The leg is failed (`result.leg_status`, with `session_id` when given), a refund was requested once per payment reference through `PAYMENT_REFUND_WEBHOOK_URL` (`result.refund.status`), and an alert `checkout_failed` was raised (critical when the refund request itself failed: refund by hand). See docs/checkout.md.',
  },
  PARTNERS_UNAVAILABLE: {
    status: 502,
    message: 'every partner failed or timed out',
    doc: 'DISCOVER_PRODUCTS asked every selected curated partner and none answered usable results (each partner status is in the action progress events). The command is FAILED; submit again with a new action_id once partners recover. See docs/discovery.md.',
    retryable: true,
  },
  BULKHEAD_FULL: {
    status: 503,
    message: 'too many calls of this connector are in flight; the call was not attempted',
    doc: 'The connector bulkhead (concurrency plus waiting queue, per daemon process) is full. Nothing reached the target. Raise `bulkhead` in CONNECTOR_RESILIENCE or lower WORKER_CONCURRENCY if it persists.',
    retryable: true,
  },
  NOT_FOUND: {
    status: 404,
    message: 'what the command names does not exist',
    doc: "UPDATE_SESSION_LEG named a session or leg that does not exist, or a session owned by another agent (reported the same way, so agents cannot probe for other agents' sessions).",
  },
  INVALID_TRANSITION: {
    status: 409,
    message: 'the state machine does not allow this move',
    doc: 'UPDATE_SESSION_LEG asked for a move outside pending → ready → in_customization → committed (or a non-terminal status → failed). The message names the from and to statuses and what is allowed. committed and failed are terminal; an admin override (docs/sessions.md) is the only way out.',
  },
});
