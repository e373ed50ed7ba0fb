/**
 * A payment provider's refund webhook on 127.0.0.1: verifies the HMAC signature and timestamp
 * of every request (as a receiver would, with `verifyRefundSignature`), answers 200 to good ones
 * and 401 to forged ones, and counts the accepted requests per payment reference. Scriptable to
 * fail the next requests with an HTTP status.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyRefundSignature } from '../../bridges/payment-webhook/refund.ts';

export interface ReceivedRefund {
  readonly paymentReference: string;
  readonly idempotencyKey: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface RefundWebhookStandIn {
  readonly url: string;
  /** Requests with a valid signature, in arrival order. */
  readonly accepted: ReceivedRefund[];
  /** Requests refused for their signature. */
  readonly forged: number;
  /** Requests answered with an injected failure. */
  readonly failed: number;
  /** Accepted calls for one payment reference. */
  calls(paymentReference: string): number;
  /** Answers the next `n` requests with `status` (after verifying them). */
  failNext(status: number, n?: number): void;
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const hook = await startRefundWebhookStandIn({ secret: 'refund-secret-0123456789' });
 * // … hook.calls('pay_1') === 1
 * ```
 */
export async function startRefundWebhookStandIn(options: {
  secret: string;
  maxSkewSeconds?: number;
}): Promise<RefundWebhookStandIn> {
  const accepted: ReceivedRefund[] = [];
  let forged = 0;
  let failed = 0;
  let fail: { status: number; n: number } | undefined;
  const skew = options.maxSkewSeconds ?? 300;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = req.headers['x-orchestrator-timestamp'];
      const sig = req.headers['x-orchestrator-signature'];
      const timestamp = typeof ts === 'string' ? ts : undefined;
      const fresh = timestamp !== undefined && Math.abs(Date.now() / 1000 - Number(timestamp)) <= skew;
      if (
        req.method !== 'POST' ||
        !fresh ||
        !verifyRefundSignature(raw, options.secret, timestamp, typeof sig === 'string' ? sig : undefined)
      ) {
        forged++;
        res.writeHead(401).end();
        return;
      }
      if (fail && fail.n > 0) {
        fail.n--;
        failed++;
        res.writeHead(fail.status).end();
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const key = req.headers['idempotency-key'];
      accepted.push({
        paymentReference: String(body.payment_reference),
        idempotencyKey: typeof key === 'string' ? key : undefined,
        body,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/refund`,
    accepted,
    get forged() {
      return forged;
    },
    get failed() {
      return failed;
    },
    calls: (ref) => accepted.filter((a) => a.paymentReference === ref).length,
    failNext: (status, n = 1) => {
      fail = { status, n };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
