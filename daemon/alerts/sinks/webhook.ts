/**
 * Generic webhook: the alert as JSON, signed so the receiver can tell it came from us and was
 * not replayed. Each attempt is signed when it is sent:
 *
 *   X-Orchestrator-Timestamp: <unix seconds>
 *   X-Orchestrator-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *   X-Orchestrator-Delivery:  <id, the same on every retry of one delivery>
 *
 * The receiver recomputes the HMAC over the timestamp, a dot and the raw body bytes, compares
 * in constant time, and refuses timestamps more than five minutes from its clock (see
 * `verifyWebhookSignature` and docs/alerts.md).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Alert } from '../model.ts';
import { postJson, type Sink } from './types.ts';

export const SIGNATURE_HEADER = 'x-orchestrator-signature';
export const TIMESTAMP_HEADER = 'x-orchestrator-timestamp';
export const DELIVERY_HEADER = 'x-orchestrator-delivery';
/** How far a receiver should let a timestamp drift from its own clock. */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * The signature header value for a body sent at `timestamp` (unix seconds).
 *
 * @example
 * ```ts
 * signWebhook('s3cret-s3cret-s3cret', 1767225600, '{"type":"alert.trigger"}'); // 'v1=5f0c…'
 * ```
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * What a receiver does: true when the signature matches the raw body and the timestamp is
 * within `toleranceS` of `nowS`. Exported for receivers written in TypeScript and for tests.
 *
 * @example
 * ```ts
 * verifyWebhookSignature({ secret, rawBody, timestamp: req.headers['x-orchestrator-timestamp'],
 *   signature: req.headers['x-orchestrator-signature'] }); // true | false
 * ```
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly nowS?: number;
  readonly toleranceS?: number;
}): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = input.nowS ?? Math.floor(Date.now() / 1_000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceS ?? SIGNATURE_TOLERANCE_S)) return false;
  const expected = Buffer.from(signWebhook(input.secret, Number(timestamp), input.rawBody));
  const got = Buffer.from(signature);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The JSON body: `alert.trigger` carries the whole alert, `alert.resolve` the dedup key. */
export function webhookBody(
  action: 'trigger' | 'resolve',
  payload: { alert: Alert } | { dedupKey: string },
): Record<string, unknown> {
  return action === 'trigger'
    ? { type: 'alert.trigger', ...payload }
    : { type: 'alert.resolve', ...payload, resolvedAt: new Date().toISOString() };
}

/**
 * The webhook sink. `url` may carry a token of the receiver's (secret); `secret` signs.
 *
 * @example
 * ```ts
 * const hook = createWebhookSink({ url, secret, timeoutMs: 5_000 });
 * await hook.send(alert, signal);
 * ```
 */
export function createWebhookSink(opts: {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly now?: () => number;
}): Sink {
  const post = (body: Record<string, unknown>, delivery: string, signal: AbortSignal) => {
    const raw = JSON.stringify(body);
    const ts = Math.floor((opts.now ?? Date.now)() / 1_000);
    return postJson(
      'webhook',
      opts.url,
      raw,
      {
        [TIMESTAMP_HEADER]: String(ts),
        [SIGNATURE_HEADER]: signWebhook(opts.secret, ts, raw),
        [DELIVERY_HEADER]: delivery,
      },
      { timeoutMs: opts.timeoutMs, signal },
    );
  };
  // Stable across retries of one delivery, so a receiver can drop a repeat it already handled.
  const id = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
  return {
    name: 'webhook',
    send: (alert, signal) =>
      post(webhookBody('trigger', { alert }), id(`trigger\n${alert.dedupKey}\n${alert.createdAt}`), signal),
    resolve: (dedupKey, signal) =>
      post(webhookBody('resolve', { dedupKey }), id(`resolve\n${dedupKey}`), signal),
  };
}
