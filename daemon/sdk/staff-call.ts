/**
 * One authenticated JSON call for the staff side of the SDK (approvals, the kill switch,
 * alerts): no retries — each of these changes something a person decided, so the person sees
 * the outcome and decides again — and every refusal as an {@link SdkError} with the daemon's code.
 */
import { type Client, type RequestOptions, request } from './http.ts';

/**
 * Sends `body` (if any) to `path` (relative to the daemon's base URL) and answers the daemon's
 * JSON, through the SDK's one {@link request}.
 *
 * @example
 * ```ts
 * const json = await staffCall(client, 'POST', 'v1/control/halt', { reason: 'bypass' }, {});
 * ```
 * @throws SdkError carrying the daemon's `ORC_ERR_*` code, its HTTP status and `details`.
 */
export async function staffCall(
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  opts: RequestOptions,
  defaultTimeoutMs = 10_000,
): Promise<Record<string, unknown>> {
  const { json } = await request(client, method, `/${path}`, body, {
    ...opts,
    timeoutMs: opts.timeoutMs ?? defaultTimeoutMs,
  });
  return (json ?? {}) as Record<string, unknown>;
}
