/**
 * Error codes of the HTTP API (`ORC_ERR_API_*`) and of the agent SDK (`ORC_ERR_SDK_*`).
 *
 * The API codes answer requests; the SDK codes are raised on the agent's side when no server
 * answer could be read (timeout, network, a body that is not ours). Both live in the one
 * registry so `docs/errors.md` lists them with everything else.
 *
 * @example
 * ```ts
 * throw new OrchestratorError(ApiErrors.NOT_FOUND, { actionId: 'a-1' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const ApiErrors = defineErrors('API', {
  UNAUTHENTICATED: {
    status: 401,
    message: 'missing or unknown bearer token',
    doc: 'The request carried no `Authorization: Bearer <token>` header, or the token is not configured. Check ORCHESTRATOR_AUTH_TOKENS.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'role {role} may not {operation}',
    doc: "The token is valid but its role does not allow this endpoint (e.g. an agent listing another agent's actions).",
  },
  NOT_FOUND: {
    status: 404,
    message: 'action {actionId} not found',
    doc: 'No action with this id is visible to the caller. Agents only see their own actions.',
  },
  PRODUCT_NOT_FOUND: {
    status: 404,
    message: 'product {maskedId} not found',
    doc: 'No discovered product has this masked id (`uso_…`). Ids are recorded when DISCOVER_PRODUCTS returns them; see docs/discovery.md.',
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    message: 'no route {method} {path}',
    doc: 'The method and path do not name an endpoint. See docs/api.md.',
  },
  INVALID_JSON: {
    status: 400,
    message: 'request body is not valid JSON',
    doc: 'The body could not be parsed as JSON (syntax error, empty body, or a forbidden `__proto__`/`constructor` key).',
  },
  INVALID_REQUEST: {
    status: 400,
    message: 'invalid request: {summary}',
    doc: 'A path parameter, query parameter or body failed the route schema; `details.issues` lists each field and reason.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'unsupported content type; send application/json',
    doc: 'Commands are JSON: send `Content-Type: application/json`.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'request body exceeds {limit} bytes',
    doc: 'The body is larger than the configured body limit. Commands are small; large payloads are refused before parsing.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'rate limit exceeded: {max} requests per minute; retry in {retryAfterSeconds}s',
    doc: 'The agent sent more requests than its per-minute budget. Wait for `Retry-After` seconds; resubmitting the same action_id later is safe.',
    retryable: true,
  },
  RATE_LIMIT_UNAVAILABLE: {
    status: 503,
    message: 'request limits cannot be checked: Redis did not answer',
    doc: 'The per-agent request counts live in Redis (shared by every replica) and Redis did not answer, so the request was refused rather than let through unchecked. Nothing was done; retry once `/readyz` reports Redis ready.',
    retryable: true,
  },
  INTERNAL: {
    status: 500,
    message: 'internal error (request {requestId})',
    doc: 'An unexpected failure. Nothing about it is returned to the client; find the request id in the daemon logs.',
    retryable: true,
  },
  READINESS_TIMEOUT: {
    status: 503,
    message: 'readiness check did not answer within {timeoutMs} ms',
    doc: 'A dependency check (Redis, ledger, policy) hung; /readyz answers 503 rather than waiting.',
    retryable: true,
  },
});

export const SdkErrors = defineErrors('SDK', {
  TIMEOUT: {
    status: 504,
    message: 'no answer from {url} within {timeoutMs} ms',
    doc: 'The SDK gave up waiting for the daemon. Submitting again with the same action_id is safe: it never executes twice.',
    retryable: true,
  },
  NETWORK: {
    status: 503,
    message: 'could not reach {url}: {reason}',
    doc: 'The SDK could not connect to the daemon (refused, DNS, TLS). Check baseUrl and that the daemon is running.',
    retryable: true,
  },
  BAD_RESPONSE: {
    status: 502,
    message: 'unexpected answer from {url}: HTTP {httpStatus}',
    doc: 'The answer was not the JSON the API documents (a proxy error page, for instance).',
  },
  WAIT_TIMEOUT: {
    status: 504,
    message: 'action {actionId} did not reach a terminal status within {timeoutMs} ms (last: {status})',
    doc: '`waitForAction` stopped polling; the action keeps running in the daemon. Poll again later with getAction.',
    retryable: true,
  },
});
