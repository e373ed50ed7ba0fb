/**
 * The Shopify Admin bridge on the shared resilience layer, against the GraphQL Admin stand-in
 * (which logs every request it receives): the breaker opens after N consecutive failures and
 * then fails fast without reaching the shop, half-opens and closes once the shop recovers; a
 * `draftOrderComplete` is never retried, even when it timed out after running; the layer's
 * metrics and health appear, wired the way the daemon wires them (`CONNECTOR_RESILIENCE`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShopifyAdminBridge } from '../../bridges/shopify-admin/bridge.ts';
import { loadConfig } from '../../daemon/config/index.ts';
import { shopifyAdminOptions } from '../../daemon/connector-wiring.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createMetrics } from '../../daemon/metrics.ts';
import { type ShopifyStandIn, startShopifyStandIn } from '../support/shopify-admin-standin.ts';

const TOKEN = 'shpat_resilience_test_4b2d9e7a1c';
const STATUS = 'query DraftOrderStatus($id: ID!) { draftOrder(id: $id) { id status } }';
const COMPLETE =
  'mutation C($id: ID!) { draftOrderComplete(id: $id) { draftOrder { id status } userErrors { field message } } }';
const CALCULATE =
  'mutation Calc($input: DraftOrderInput!) { draftOrderCalculate(input: $input) { calculatedDraftOrder { currencyCode } userErrors { field message } } }';

let shop: ShopifyStandIn;
beforeAll(async () => {
  shop = await startShopifyStandIn({ token: TOKEN });
});
afterAll(async () => {
  await shop.close();
});

const status = {
  operation: 'draftOrder',
  query: STATUS,
  variables: { id: 'gid://shopify/DraftOrder/1' },
  idempotent: true,
};
const complete = {
  operation: 'draftOrderComplete',
  query: COMPLETE,
  variables: { id: 'gid://shopify/DraftOrder/777' },
  idempotent: false,
};

/** The bridge as the daemon builds it from configuration, with its metrics. */
function wired(settings: Record<string, unknown>) {
  const bus = new EventBus();
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.attach(bus);
  const config = loadConfig({
    SHOPIFY_SHOP_DOMAIN: shop.shopDomain,
    SHOPIFY_ADMIN_TOKEN: TOKEN,
    CONNECTOR_RESILIENCE: JSON.stringify({ 'shopify-admin': settings }),
  });
  const options = shopifyAdminOptions(config, {
    bus,
    redis: () => {
      throw new Error('no rate limit configured');
    },
  });
  if (!options) throw new Error('shopify-admin not configured');
  return { bridge: new ShopifyAdminBridge(options), metrics };
}

const sent = (field: string, from: number): number =>
  shop.requests.slice(from).filter((r) => r.fields.includes(field) || r.outcome === 'injected').length;

describe('ShopifyAdminBridge resilience', () => {
  it('opens after N consecutive failures, fails fast without reaching Shopify, half-opens and closes', async () => {
    const { bridge, metrics } = wired({
      retry: { attempts: 1 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 300 },
    });
    shop.failNext(503, 3);
    const r0 = shop.requests.length;
    for (let i = 0; i < 3; i++) {
      await expect(bridge.request(status)).rejects.toMatchObject({ code: 'HTTP_5XX', retryable: true });
    }
    expect(shop.requests.length - r0).toBe(3);
    expect(bridge.health().state).toBe('open');

    // Open: fails at once and the stand-in sees nothing.
    await expect(bridge.request(status)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      connector: 'shopify-admin',
    });
    await expect(bridge.request(complete)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(shop.requests.length - r0).toBe(3);

    await sleep(350);
    expect(bridge.health().state).toBe('half-open');
    // The shop has recovered (the injected failures are spent): the probe closes the breaker.
    const r = await bridge.request(status);
    expect(r.data).toEqual({ draftOrder: null });
    expect(shop.requests.length - r0).toBe(4);
    const health = bridge.health();
    expect(health.state).toBe('closed');
    expect(health.counters).toMatchObject({ calls: 6, failures: 5, circuitOpen: 2 });
    expect(health.lastError).toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(JSON.stringify(health)).not.toContain(TOKEN);

    const text = await metrics.render();
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="shopify-admin",code="HTTP_5XX"\} 3/,
    );
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="shopify-admin",code="CIRCUIT_OPEN"\} 2/,
    );
    expect(text).toMatch(/orchestrator_connector_requests_total\{connector="shopify-admin",code="ok"\} 1/);
    expect(text).toMatch(
      /orchestrator_connector_attempts_total\{connector="shopify-admin",code="HTTP_5XX"\} 3/,
    );
    expect(text).toMatch(/orchestrator_connector_breaker_state\{connector="shopify-admin"\} 0/);
  });

  it('re-opens when the half-open probe fails', async () => {
    const { bridge } = wired({
      retry: { attempts: 1 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 200 },
    });
    shop.failNext(502, 3);
    for (let i = 0; i < 2; i++)
      await expect(bridge.request(status)).rejects.toMatchObject({ code: 'HTTP_5XX' });
    await sleep(250);
    const r0 = shop.requests.length;
    await expect(bridge.request(status)).rejects.toMatchObject({ code: 'HTTP_5XX' });
    expect(shop.requests.length - r0).toBe(1);
    expect(bridge.health().state).toBe('open');
    await expect(bridge.request(status)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(shop.requests.length - r0).toBe(1);
  });

  it('never retries draftOrderComplete, even when retries are configured and it timed out after running', async () => {
    const { bridge, metrics } = wired({ timeoutMs: 300, retry: { attempts: 5, baseMs: 1, maxDelayMs: 5 } });
    // Shopify runs the mutation, then answers too late: the completion happened.
    shop.delayNext(800, 1);
    const r0 = shop.requests.length;
    await expect(bridge.request(complete)).rejects.toMatchObject({ code: 'TIMEOUT', retryable: true });
    await sleep(600); // anything a retry would have sent has arrived by now
    expect(sent('draftOrderComplete', r0)).toBe(1);

    // A 5xx before running: still exactly one request.
    shop.failNext(503, 5);
    const r1 = shop.requests.length;
    await expect(bridge.request(complete)).rejects.toMatchObject({ code: 'HTTP_5XX' });
    expect(shop.requests.length - r1).toBe(1);
    shop.failNext(503, 0);

    // draftOrderCalculate is idempotent: the same failure is retried until it succeeds.
    shop.failNext(503, 2);
    const r2 = shop.requests.length;
    const calc = await bridge.request({
      operation: 'draftOrderCalculate',
      query: CALCULATE,
      variables: { input: { lineItems: [{ variantId: 'gid://shopify/ProductVariant/1001', quantity: 1 }] } },
      idempotent: true,
    });
    expect(calc.data).toMatchObject({
      draftOrderCalculate: { calculatedDraftOrder: { currencyCode: 'USD' } },
    });
    expect(shop.requests.slice(r2).map((r) => r.outcome)).toEqual(['injected', 'injected', 'ok']);

    const text = await metrics.render();
    expect(text).toMatch(
      /orchestrator_connector_attempts_total\{connector="shopify-admin",code="TIMEOUT"\} 1\n/,
    );
    expect(text).toMatch(
      /orchestrator_connector_attempts_total\{connector="shopify-admin",code="HTTP_5XX"\} 3\n/,
    );
  });

  it('keeps Shopify cost throttling apart from the breaker: THROTTLED answers never open it', async () => {
    const { bridge } = wired({ breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    shop.throttleNext(3);
    const r0 = shop.requests.length;
    const r = await bridge.request(status);
    expect(r.data).toEqual({ draftOrder: null });
    expect(shop.requests.slice(r0).map((x) => x.outcome)).toEqual([
      'throttled',
      'throttled',
      'throttled',
      'ok',
    ]);
    const health = bridge.health();
    expect(health.state).toBe('closed');
    // Each send is one call of the layer; a THROTTLED answer is a healthy exchange.
    expect(health.counters?.calls).toBe(4);
    expect(health.counters?.failures).toBe(0);
  });
});
