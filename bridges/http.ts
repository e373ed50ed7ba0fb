/**
 * HTTP helpers every bridge shares: how a status maps onto the error envelope, reading a body
 * without trusting its size, and naming a network failure without leaking request contents.
 */
import type { ConnectorErrorCode } from './errors.ts';

/**
 * The envelope code and retryability of a non-2xx status: 5xx, 429 and 408 are transient;
 * other 4xx are the caller's or the deployment's fault and retrying cannot help.
 *
 * @example
 * ```ts
 * classifyStatus(503); // → { code: 'HTTP_5XX', retryable: true }
 * classifyStatus(404); // → { code: 'HTTP_4XX', retryable: false }
 * ```
 */
export function classifyStatus(status: number): { code: ConnectorErrorCode; retryable: boolean } {
  if (status >= 500) return { code: 'HTTP_5XX', retryable: true };
  if (status === 429 || status === 408) return { code: 'RATE_LIMITED', retryable: true };
  if (status >= 400) return { code: 'HTTP_4XX', retryable: false };
  return { code: 'BAD_RESPONSE', retryable: false };
}

/** The body was larger than the caller accepts. */
export class BodyTooLargeError extends Error {
  constructor(max: number) {
    super(`response body exceeds ${max} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a body as UTF-8, giving up past `max` bytes whatever Content-Length claims. The
 * request's AbortSignal still applies, so a timeout covers the body too.
 *
 * @example
 * ```ts
 * const text = await readBodyLimited(await fetch(url, { signal }), 1_048_576);
 * ```
 * @throws BodyTooLargeError past `max`; the fetch abort error when the signal fires.
 */
export async function readBodyLimited(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new BodyTooLargeError(max);
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A short description of a fetch failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, …): the system code
 * only, so no URL, header or body can end up in an error message.
 *
 * @example
 * ```ts
 * await fetch(url).catch((err) => networkCode(err)); // → 'ECONNREFUSED'
 * ```
 */
export function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string' && /^[A-Z0-9_]{1,40}$/.test(cause.code)) return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}
