/**
 * One JSON-over-HTTP call through a connector's resilience layer, with the status mapping every
 * bridge shares: 2xx → the parsed body; 5xx, 408, 429 → retryable; 401, 403 and other 4xx → a
 * final `HTTP_4XX`; a body that is not JSON → `BAD_RESPONSE`; a refused connection → `NETWORK`;
 * the attempt's deadline → `TIMEOUT`. Nothing of the request (URL query, headers, body) goes into
 * an error message.
 */
import { ConnectorError, RetryableConnectorError } from '../errors.ts';
import { BodyTooLargeError, classifyStatus, networkCode, readBodyLimited } from '../http.ts';
import type { CallOptions, ConnectorResilience } from './resilience.ts';

export interface HttpJsonRequest {
  readonly url: string;
  /** @defaultValue 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** @defaultValue 1_048_576 */
  readonly maxResponseBytes?: number;
  /** @defaultValue globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * Sends `req` under `resilience` and returns the JSON body of a 2xx answer.
 *
 * @example
 * ```ts
 * const data = await httpJson(resilience, { url, method: 'POST', headers: { authorization }, body },
 *   { idempotencyKey: actionId, signal: ctx.signal });
 * ```
 * @throws ConnectorError with the envelope of the failure (see the module comment).
 */
export async function httpJson(
  resilience: ConnectorResilience,
  req: HttpJsonRequest,
  call: CallOptions = {},
): Promise<unknown> {
  const connector = resilience.connector;
  const doFetch = req.fetch ?? globalThis.fetch;
  const max = req.maxResponseBytes ?? 1_048_576;
  return resilience.execute(async ({ signal }) => {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(req.url, {
        method: req.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...req.headers,
        },
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal,
      });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => {});
        const { code, retryable } = classifyStatus(res.status);
        const init = {
          connector,
          code,
          status: res.status,
          message: `${connector} answered HTTP ${res.status}`,
        };
        throw retryable ? new RetryableConnectorError(init) : new ConnectorError(init);
      }
      text = await readBodyLimited(res, max);
    } catch (err) {
      if (err instanceof ConnectorError) throw err;
      if (err instanceof BodyTooLargeError) {
        throw new ConnectorError({
          connector,
          code: 'BAD_RESPONSE',
          status: 200,
          message: `${connector} response exceeds ${max} bytes`,
        });
      }
      // An aborted signal is the layer's to name (TIMEOUT or CANCELLED).
      if (signal.aborted) throw err;
      throw new RetryableConnectorError(
        { connector, code: 'NETWORK', message: `could not reach ${connector} (${networkCode(err)})` },
        { cause: err },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConnectorError({
        connector,
        code: 'BAD_RESPONSE',
        status: res.status,
        message: `${connector} answered something that is not JSON`,
      });
    }
  }, call);
}
