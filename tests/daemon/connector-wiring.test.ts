/**
 * How the daemon wires the resilience layer: `CONNECTOR_RESILIENCE` parsing, the layer's events
 * becoming Prometheus series through the bus, and connector health in `/readyz` details.
 */
import { describe, expect, it } from 'vitest';
import { createResilience, httpJson } from '../../bridges/resilience/index.ts';
import { loadConfig } from '../../daemon/config/index.ts';
import { createDefaultConnectors } from '../../connectors/registry.ts';
import { refundWebhookOptions, resilienceFor, shopifyAdminOptions } from '../../daemon/connector-wiring.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createMetrics } from '../../daemon/metrics.ts';
import { apiFixture } from '../support/api-fixture.ts';
import { startHttpPeer } from '../support/http-peer.ts';

describe('CONNECTOR_RESILIENCE', () => {
  it('parses per-connector settings and names every bad field', () => {
    const config = loadConfig({
      CONNECTOR_RESILIENCE: JSON.stringify({
        'apps-script': { timeoutMs: 5_000, rateLimit: { limit: 5, burst: 2 }, breaker: { kind: 'sampling' } },
      }),
    });
    expect(config.connectorResilience['apps-script']).toEqual({
      timeoutMs: 5_000,
      rateLimit: { limit: 5, burst: 2 },
      breaker: { kind: 'sampling' },
    });
    expect(loadConfig({}).connectorResilience).toEqual({});
    expect(() => loadConfig({ CONNECTOR_RESILIENCE: '{"apps-script":{"rateLimit":{"limit":0}}}' })).toThrow(
      /CONNECTOR_RESILIENCE: apps-script\.rateLimit\.limit/,
    );
    expect(() => loadConfig({ CONNECTOR_RESILIENCE: '{"apps-script":{"retries":3}}' })).toThrow(
      /CONNECTOR_RESILIENCE/,
    );
    expect(() => loadConfig({ CONNECTOR_RESILIENCE: '[1]' })).toThrow(/must be a JSON object/);
    expect(() => loadConfig({ CONNECTOR_RESILIENCE: '{"Bad Name":{}}' })).toThrow(/connector name/);
  });
});

describe('metrics', () => {
  it('turn the layer events on the bus into per-connector series', async () => {
    const peer = await startHttpPeer();
    try {
      const bus = new EventBus();
      const metrics = createMetrics({ defaultMetrics: false });
      metrics.attach(bus);
      const config = loadConfig({
        CONNECTOR_RESILIENCE: JSON.stringify({
          peer: { retry: { attempts: 2, baseMs: 1 }, breaker: { consecutiveFailures: 2 } },
        }),
      });
      const r = createResilience(
        'peer',
        resilienceFor('peer', config, {
          bus,
          redis: () => {
            throw new Error('no rate limit configured');
          },
        }),
      );
      await httpJson(r, { url: peer.url }, { idempotent: true });
      peer.down(503);
      await httpJson(r, { url: peer.url }, { idempotent: true }).catch(() => {});
      const text = await metrics.render();
      expect(text).toMatch(/orchestrator_connector_requests_total\{connector="peer",code="ok"\} 1/);
      expect(text).toMatch(/orchestrator_connector_requests_total\{connector="peer",code="HTTP_5XX"\} 1/);
      expect(text).toMatch(/orchestrator_connector_attempts_total\{connector="peer",code="HTTP_5XX"\} 2/);
      expect(text).toMatch(/orchestrator_connector_breaker_state\{connector="peer"\} 2/);
      expect(text).toMatch(/orchestrator_connector_request_duration_seconds_count\{connector="peer"\} 2/);
    } finally {
      await peer.close();
    }
  });
});

describe('/readyz', () => {
  it('includes connector health as details without changing readiness', async () => {
    const f = apiFixture();
    const r = createResilience('peer', { retry: { attempts: 1 }, breaker: { consecutiveFailures: 1 } });
    await httpJson(r, { url: 'http://127.0.0.1:1/x' }).catch(() => {});
    const check = f.readiness.check.bind(f.readiness);
    f.readiness.check = async () => ({ ...(await check()), connectors: { peer: r.health() } });
    const res = await f.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ready).toBe(true);
    expect(body.connectors.peer).toMatchObject({
      state: 'open',
      lastError: { connector: 'peer', code: 'NETWORK', retryable: true, status: null },
      counters: { calls: 1, failures: 1, errorsByCode: { NETWORK: 1 } },
    });
    await f.close();
  });
});

describe('retrofitted bridges in /readyz', () => {
  it('reports shopify-admin and payment-webhook health under their own names, wired from configuration', () => {
    const bus = new EventBus();
    const config = loadConfig({
      SHOPIFY_SHOP_DOMAIN: '127.0.0.1:1',
      SHOPIFY_ADMIN_TOKEN: 'shpat_wiring_test_0123456789',
      PAYMENT_REFUND_WEBHOOK_URL: 'http://127.0.0.1:1/refund',
      PAYMENT_REFUND_WEBHOOK_SECRET: 'wiring-test-secret-0123456789',
      CONNECTOR_RESILIENCE: JSON.stringify({
        'shopify-admin': { breaker: { consecutiveFailures: 2 } },
        'shopify-mcp': { retry: { attempts: 2 }, rateLimit: { limit: 5 } },
        'shopify-mcp:alpine': { retry: { baseMs: 10 }, rateLimit: { limit: 1, burst: 2 } },
      }),
    });
    const deps = {
      bus,
      redis: () => {
        throw new Error('not used');
      },
    };
    const shopify = shopifyAdminOptions(config, deps);
    const refunds = refundWebhookOptions(config, deps);
    expect(shopify).toMatchObject({ timeoutMs: 10_000, breaker: { consecutiveFailures: 2 } });
    expect(refunds).toMatchObject({ honoursIdempotencyKey: true });
    const registry = createDefaultConnectors({
      ...(shopify && refunds ? { checkout: { shopify, refunds } } : {}),
    });
    const health = registry.health();
    expect(health['shopify-admin']).toMatchObject({ state: 'closed', counters: { calls: 0 } });
    expect(health['payment-webhook']).toMatchObject({ state: 'closed', counters: { calls: 0 } });
    expect(JSON.stringify(health)).not.toContain('wiring-test-secret');
    expect(JSON.stringify(health)).not.toContain('shpat_wiring_test');
  });

  it('merges a partner entry over the shopify-mcp entry, field by field', () => {
    const config = loadConfig({
      CONNECTOR_RESILIENCE: JSON.stringify({
        'shopify-mcp': { timeoutMs: 2_000, retry: { attempts: 2 }, breaker: { consecutiveFailures: 4 } },
        'shopify-mcp:alpine': { retry: { baseMs: 10 }, breaker: { halfOpenAfterMs: 5_000 } },
      }),
    });
    const opts = resilienceFor('shopify-mcp:alpine', config, {
      bus: new EventBus(),
      redis: () => {
        throw new Error('not used');
      },
    });
    expect(opts).toMatchObject({
      timeoutMs: 2_000,
      retry: { attempts: 2, baseMs: 10 },
      breaker: { consecutiveFailures: 4, halfOpenAfterMs: 5_000 },
    });
    expect(() => loadConfig({ CONNECTOR_RESILIENCE: '{"shopify-mcp:Bad Slug":{}}' })).toThrow(
      /connector name/,
    );
  });
});
