/**
 * The Storefront MCP bridge on the shared resilience layer, one breaker per partner, against the
 * MCP stand-in (which counts the HTTP requests each partner's endpoint receives): a partner's
 * breaker opens after N consecutive failures and fails fast without reaching it while the other
 * partners keep answering; it half-opens and closes once the partner recovers; per-partner
 * settings in `CONNECTOR_RESILIENCE` override the `shopify-mcp` ones; metrics and health appear
 * under `shopify-mcp:<slug>`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShopifyMcpBridge } from '../../bridges/shopify-mcp/bridge.ts';
import { loadConfig } from '../../daemon/config/index.ts';
import { shopifyMcpOptions } from '../../daemon/connector-wiring.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createMetrics } from '../../daemon/metrics.ts';
import {
  type ShopifyMcpStandIn,
  shopifyProduct,
  startShopifyMcpStandIn,
} from '../support/shopify-mcp-standin.ts';

let mcp: ShopifyMcpStandIn;
beforeAll(async () => {
  mcp = await startShopifyMcpStandIn({
    up: { products: [shopifyProduct(1, 'Tent', '100.00')] },
    down: { products: [shopifyProduct(2, 'Stove', '45.50')], fail: 'http500' },
  });
});
afterAll(async () => {
  await mcp.close();
});

function wired(settings: Record<string, unknown>, env: Record<string, string> = {}) {
  const bus = new EventBus();
  const metrics = createMetrics({ defaultMetrics: false });
  metrics.attach(bus);
  const config = loadConfig({ CONNECTOR_RESILIENCE: JSON.stringify(settings), ...env });
  const bridge = new ShopifyMcpBridge(
    shopifyMcpOptions(config, {
      bus,
      redis: () => {
        throw new Error('no rate limit configured');
      },
    }),
  );
  return { bridge, metrics };
}

const search = (slug: string) => ({ endpoint: mcp.endpoint(slug), partner: slug, query: 'tent' });

describe('ShopifyMcpBridge resilience (per partner)', () => {
  it("opens one partner's breaker, fails fast without reaching it, keeps the others, then closes", async () => {
    const { bridge, metrics } = wired({
      'shopify-mcp': { breaker: { consecutiveFailures: 2, halfOpenAfterMs: 300 } },
    });
    mcp.set('down', { products: [shopifyProduct(2, 'Stove', '45.50')], fail: 'http500' });
    const d0 = mcp.requests('down');
    for (let i = 0; i < 2; i++) {
      await expect(bridge.searchCatalog(search('down'))).rejects.toMatchObject({
        code: 'HTTP_5XX',
        connector: 'shopify-mcp:down',
      });
    }
    const reached = mcp.requests('down') - d0;
    expect(reached).toBe(2); // one HTTP request per search: initialize is answered 500
    expect(bridge.health()['shopify-mcp:down']?.state).toBe('open');

    await expect(bridge.searchCatalog(search('down'))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(mcp.requests('down') - d0).toBe(reached);
    // Another partner is unaffected by the open breaker.
    const { products } = await bridge.searchCatalog(search('up'));
    expect(products).toHaveLength(1);
    expect(bridge.health()['shopify-mcp:up']?.state).toBe('closed');

    mcp.set('down', { products: [shopifyProduct(2, 'Stove', '45.50')] });
    await sleep(350);
    expect(bridge.health()['shopify-mcp:down']?.state).toBe('half-open');
    const again = await bridge.searchCatalog(search('down'));
    expect(again.products).toHaveLength(1);
    expect(bridge.health()['shopify-mcp:down']).toMatchObject({
      state: 'closed',
      counters: { calls: 4, failures: 3, circuitOpen: 1 },
    });

    const text = await metrics.render();
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="shopify-mcp:down",code="HTTP_5XX"\} 2/,
    );
    expect(text).toMatch(
      /orchestrator_connector_requests_total\{connector="shopify-mcp:down",code="CIRCUIT_OPEN"\} 1/,
    );
    expect(text).toMatch(/orchestrator_connector_requests_total\{connector="shopify-mcp:up",code="ok"\} 1/);
    expect(text).toMatch(/orchestrator_connector_breaker_state\{connector="shopify-mcp:down"\} 0/);
    expect(text).toMatch(
      /orchestrator_connector_attempt_duration_seconds_count\{connector="shopify-mcp:up"\} 1/,
    );
  });

  it('makes one attempt per search by default, and takes per-partner overrides', async () => {
    mcp.set('down', { products: [], fail: 'http500' });
    const { bridge } = wired({
      'shopify-mcp': { breaker: { consecutiveFailures: 5 } },
      // This partner alone: fewer failures open it, and its searches are retried once.
      'shopify-mcp:down': { breaker: { consecutiveFailures: 1 }, retry: { attempts: 2, baseMs: 1 } },
    });
    const u0 = mcp.calls.length;
    mcp.set('up', { products: [], fail: 'tool_error' });
    await expect(bridge.searchCatalog(search('up'))).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    expect(mcp.calls.length - u0).toBe(1);
    mcp.set('up', { products: [shopifyProduct(1, 'Tent', '100.00')] });

    // The first failure opens this partner's breaker (threshold 1), and an open breaker stops the
    // retry: one request reached the partner, the call ends CIRCUIT_OPEN.
    const d0 = mcp.requests('down');
    await expect(bridge.searchCatalog(search('down'))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(mcp.requests('down') - d0).toBe(1);
    expect(bridge.health()['shopify-mcp:down']).toMatchObject({ state: 'open', counters: { attempts: 1 } });
    // The other partner takes the shared `shopify-mcp` threshold: one failure leaves it closed.
    expect(bridge.health()['shopify-mcp:up']?.state).toBe('closed');
  });

  it('times out a hanging partner at DISCOVERY_PARTNER_TIMEOUT_MS and counts it against its breaker', async () => {
    mcp.set('slow', { products: [], fail: 'hang' });
    const { bridge } = wired(
      { 'shopify-mcp:slow': { breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } } },
      { DISCOVERY_PARTNER_TIMEOUT_MS: '300' },
    );
    const t0 = performance.now();
    await expect(bridge.searchCatalog(search('slow'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(1_500);
    const s0 = mcp.requests('slow');
    await expect(bridge.searchCatalog(search('slow'))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(mcp.requests('slow')).toBe(s0);
  });

  it('keeps a bounded number of partner breakers', async () => {
    const bridge = new ShopifyMcpBridge({ maxPartners: 2 });
    for (const slug of ['up', 'down', 'slow']) {
      mcp.set(slug, { products: [] });
      await bridge.searchCatalog(search(slug));
    }
    expect(Object.keys(bridge.health()).sort()).toEqual(['shopify-mcp:down', 'shopify-mcp:slow']);
  });
});
