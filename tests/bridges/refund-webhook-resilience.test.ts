/**
 * The refund webhook on the shared resilience layer (connector `payment-webhook`), against the
 * refund receiver stand-in (which counts accepted, failed and forged requests): the breaker opens
 * after N consecutive failures and fails fast without reaching the receiver, half-opens and
 * closes once it recovers; a receiver that does not honour `Idempotency-Key` gets exactly one
 * request, whatever the failure; metrics and health appear, wired from configuration.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RefundWebhook } from '../../bridges/payment-webhook/refund.ts';
import { loadConfig } from '../../daemon/config/index.ts';
import { refundWebhookOptions } from '../../daemon/connector-wiring.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createMetrics } from '../../daemon/metrics.ts';
import { type RefundWebhookStandIn, startRefundWebhookStandIn } from '../support/refund-webhook-standin.ts';

const SECRET = 'refund-resilience-secret-8d3f0a2b';

let hook: RefundWebhookStandIn;
beforeAll(async () => {
  hook = await startRefundWebhookStandIn({ secret: SECRET });
});
afterAll(async () => {
  await hook.close();
});
afterEach(() => hook.failNext(200, 0));

const refund = (ref: string) => ({
  paymentReference: ref,
  amount: '48.20',
  currency: 'USD',
  draftOrderId: 'gid://shopify/DraftOrder/31',
  sessionId: null,
  reason: { code: 'OUT_OF_STOCK', message: 'Pour-over Kettle is out of stock' },
});

function wired(settings: Record<string, unknown>, env: Record<string, string> = {}, url = hook.url) {
  const bus = new EventBus();
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.attach(bus);
  const config = loadConfig({
    PAYMENT_REFUND_WEBHOOK_URL: url,
    PAYMENT_REFUND_WEBHOOK_SECRET: SECRET,
    CONNECTOR_RESILIENCE: JSON.stringify({ 'payment-webhook': settings }),
    ...env,
  });
  const options = refundWebhookOptions(config, {
    bus,
    redis: () => {
      throw new Error('no rate limit configured');
    },
  });
  if (!options) throw new Error('payment-webhook not configured');
  return { refunds: new RefundWebhook(options), metrics };
}

/** Every request the receiver got: accepted, failed on purpose, or refused for its signature. */
const seen = (): number => hook.accepted.length + hook.failed + hook.forged;

describe('RefundWebhook resilience', () => {
  it('opens after N consecutive failures, fails fast without reaching the receiver, half-opens and closes', async () => {
    const { refunds, metrics } = wired({
      retry: { attempts: 1 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 },
    });
    hook.failNext(503, 3);
    const s0 = seen();
    for (let i = 0; i < 3; i++) {
      await expect(refunds.request(refund(`pay-brk-${i}`))).rejects.toMatchObject({
        code: 'HTTP_5XX',
        connector: 'payment-webhook',
      });
    }
    expect(seen() - s0).toBe(3);
    expect(refunds.health().state).toBe('open');
    await expect(refunds.request(refund('pay-brk-open'))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(seen() - s0).toBe(3);
    expect(hook.calls('pay-brk-open')).toBe(0);

    await sleep(350);
    expect(refunds.health().state).toBe('half-open');
    await expect(refunds.request(refund('pay-brk-probe'))).resolves.toMatchObject({ status: 200 });
    expect(hook.calls('pay-brk-probe')).toBe(1);
    expect(refunds.health()).toMatchObject({
      state: 'closed',
      counters: { calls: 5, failures: 4, circuitOpen: 1 },
    });
    expect(JSON.stringify(refunds.health())).not.toContain(SECRET);

    const text = await metrics.render();
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="payment-webhook",code="HTTP_5XX"\} 3/,
    );
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="payment-webhook",code="CIRCUIT_OPEN"\} 1/,
    );
    expect(text).toMatch(/orchestrator_connector_requests_total\{connector="payment-webhook",code="ok"\} 1/);
    expect(text).toMatch(/orchestrator_connector_breaker_state\{connector="payment-webhook"\} 0/);
  });

  it('retries a receiver that honours the idempotency key, and never one that does not', async () => {
    const honours = wired({ retry: { attempts: 3, baseMs: 1, maxDelayMs: 5 } });
    hook.failNext(503, 2);
    let s0 = seen();
    await honours.refunds.request(refund('pay-idem-1'));
    expect(seen() - s0).toBe(3);
    expect(hook.calls('pay-idem-1')).toBe(1);

    const once = wired(
      { retry: { attempts: 3, baseMs: 1, maxDelayMs: 5 } },
      { PAYMENT_REFUND_WEBHOOK_HONOURS_IDEMPOTENCY_KEY: 'false' },
    );
    hook.failNext(503, 2);
    s0 = seen();
    await expect(once.refunds.request(refund('pay-once-1'))).rejects.toMatchObject({
      code: 'HTTP_5XX',
      retryable: true,
    });
    await sleep(50);
    expect(seen() - s0).toBe(1);
    expect(hook.calls('pay-once-1')).toBe(0);
    expect(once.refunds.health().counters).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('does not repeat a refund POST that timed out after the receiver got it', async () => {
    // A receiver that takes the request, then answers too late (so it may well have refunded).
    let received = 0;
    const slow = createServer((req, res) => {
      received++;
      req.resume();
      setTimeout(() => res.writeHead(200).end('{}'), 600);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/refund`;
      const { refunds, metrics } = wired(
        { timeoutMs: 150, retry: { attempts: 4, baseMs: 1, maxDelayMs: 5 } },
        { PAYMENT_REFUND_WEBHOOK_HONOURS_IDEMPOTENCY_KEY: 'false' },
        url,
      );
      await expect(refunds.request(refund('pay-slow-1'))).rejects.toMatchObject({ code: 'TIMEOUT' });
      await sleep(200);
      expect(received).toBe(1);
      const text = await metrics.render();
      expect(text).toMatch(
        /orchestrator_connector_attempts_total\{connector="payment-webhook",code="TIMEOUT"\} 1\n/,
      );
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
    }
  });
});
