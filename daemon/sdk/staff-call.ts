/**
 * One authenticated JSON call for the staff side of the SDK (approvals, the kill switch,
 * alerts): no retries — each of these changes something a person decided, so the person sees
 * the outcome and decides again — and every refusal as an {@link SdkError} with the daemon's code.
 */
import { SdkError } from './common.ts';
import type { Client, RequestOptions } from './http.ts';

/**
 * Sends `body` (if any) to `path` and answers the daemon's JSON.
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
  const doFetch = client.fetch ?? fetch;
  const res = await doFetch(
    new URL(path, client.baseUrl.endsWith('/') ? client.baseUrl : `${client.baseUrl}/`),
    {
      method,
      headers: {
        authorization: `Bearer ${client.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? defaultTimeoutMs),
    },
  );
  const json = ((await res.json().catch(() => undefined)) ?? {}) as Record<string, unknown> & {
    error?: { code?: string; message?: string; details?: Record<string, unknown> };
  };
  if (!res.ok) {
    throw new SdkError(
      json.error?.code ?? 'ORC_ERR_SDK_BAD_RESPONSE',
      json.error?.message ?? `HTTP ${res.status}`,
      { httpStatus: res.status, ...(json.error?.details ? { details: json.error.details } : {}) },
    );
  }
  return json;
}
