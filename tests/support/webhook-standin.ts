/**
 * A receiver of the generic alert webhook, verifying each request as docs/alerts.md tells a
 * receiver to — written here from that description, not by calling the daemon's code:
 *
 *   1. read `X-Orchestrator-Timestamp` (unix seconds) and `X-Orchestrator-Signature` (`v1=<hex>`);
 *   2. refuse a timestamp more than 300 seconds from the receiver's clock;
 *   3. compute HMAC-SHA256 with the shared secret over `<timestamp>.<raw body>`;
 *   4. compare with the header in constant time.
 *
 * A request that fails is answered `401`; a verified one `200` and marked `verified`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Answer, type HttpStandIn, startHttpStandIn } from './http-standin.ts';

export interface WebhookStandIn extends HttpStandIn {
  /** Bodies of verified deliveries, parsed. */
  verified(): Record<string, unknown>[];
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * @example
 * ```ts
 * const hook = await startWebhookStandIn('a-shared-secret-of-32-characters');
 * ```
 */
export async function startWebhookStandIn(secret: string): Promise<WebhookStandIn> {
  const s = await startHttpStandIn('/hooks/orchestrator', (req): Answer => {
    const ts = header(req.headers['x-orchestrator-timestamp']);
    const sig = header(req.headers['x-orchestrator-signature']);
    if (!ts || !/^\d+$/.test(ts) || !sig)
      return { status: 401, body: 'unsigned', problem: 'missing headers' };
    if (Math.abs(Date.now() / 1_000 - Number(ts)) > 300) {
      return { status: 401, body: 'stale', problem: 'timestamp outside 300 s' };
    }
    const expected = `v1=${createHmac('sha256', secret).update(`${ts}.${req.raw}`).digest('hex')}`;
    const ok = sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
    return ok
      ? { status: 200, body: 'ok' }
      : { status: 401, body: 'bad signature', problem: 'bad signature' };
  });
  return Object.assign(s, {
    verified: () => s.accepted().map((r) => r.body as Record<string, unknown>),
  });
}
