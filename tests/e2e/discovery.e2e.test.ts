/**
 * End to end: the real daemon process (real Redis, embedded PGlite ledger, shipped policy) with
 * the default per-partner timeout (3 s), three curated partners on the Shopify MCP stand-in, one
 * of which hangs. An admin curates them over the API, an agent submits DISCOVER_PRODUCTS over
 * HTTP and follows the action's event stream: the other two partners' results arrive within
 * 3.5 s of submission, premium applied, ids masked, and the public payload parses strictly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DiscoveryResultSchema,
  INTERNAL_PRODUCT_KEYS,
  PublicProductSchema,
} from '../../connectors/discovery-shape.ts';
import { type DaemonProcess, randomName, startDaemonProcess } from '../support/daemon-process.ts';
import {
  type ShopifyMcpStandIn,
  shopifyProduct,
  startShopifyMcpStandIn,
} from '../support/shopify-mcp-standin.ts';

const AGENT_TOKEN = 'agent-token-discovery-0123456789';
const ADMIN_TOKEN = 'admin-token-discovery-0123456789';
const INTERNAL = {
  experience_tags: ['vip-only'],
  partner_id: 'p-77',
  internal_notes: 'cost 12.00',
  raw_shopify_variant_ids: ['gid://shopify/ProductVariant/9'],
};

describe('DISCOVER_PRODUCTS through the real daemon', () => {
  let daemon: DaemonProcess;
  let mcp: ShopifyMcpStandIn;
  let dataDir: string;

  beforeAll(async () => {
    mcp = await startShopifyMcpStandIn({
      alpine: { products: [shopifyProduct(11, 'Rain jacket', '80.00', 'USD', INTERNAL)], latencyMs: 100 },
      bravo: { products: [shopifyProduct(22, 'Head torch', '24.99', 'EUR', INTERNAL)], latencyMs: 300 },
      hangs: { products: [shopifyProduct(33, 'Kayak', '900.00')], fail: 'hang' },
    });
    dataDir = mkdtempSync(join(tmpdir(), 'orch-e2e-disc-'));
    daemon = await startDaemonProcess({
      DATA_DIR: dataDir,
      ORCHESTRATOR_QUEUES: randomName('e2e-disc'),
      DEAD_LETTER_QUEUE: randomName('e2e-disc-dead'),
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-7:${AGENT_TOKEN},admin:root:${ADMIN_TOKEN}`,
      POLICY_WATCH: 'false',
    });
    for (const [slug, premium] of [
      ['alpine', 10],
      ['bravo', 0],
      ['hangs', 0],
    ] as const) {
      const r = await fetch(`${daemon.url}/v1/admin/partners/${slug}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          shop_url: `https://${slug}.myshopify.com`,
          mcp_endpoint: mcp.endpoint(slug),
          price_premium_percent: premium,
        }),
      });
      expect(r.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await mcp?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('returns the two answering partners within 3.5 s, premium applied, ids masked, no internal keys', async () => {
    const t0 = performance.now();
    const submitted = await fetch(`${daemon.url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action_id: 'e2e-disc-1',
        command_type: 'DISCOVER_PRODUCTS',
        params: { query: 'outdoor gear', limit: 10 },
      }),
    });
    expect(submitted.status).toBe(202);

    const stream = await fetch(`${daemon.url}/v1/actions/e2e-disc-1/events`, {
      headers: { authorization: `Bearer ${AGENT_TOKEN}` },
    });
    expect(stream.status).toBe(200);
    const text = await stream.text(); // the server ends the stream once the action is terminal
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(3_500 + 1_000); // end of stream: 3 s deadline plus queue and poll slack

    const frames = text
      .split('\n\n')
      .filter((b) => b.includes('event: '))
      .map((b) => ({
        event: /event: (\S+)/.exec(b)?.[1],
        data: JSON.parse(/data: (.*)/.exec(b)?.[1] ?? 'null') as Record<string, unknown>,
      }));
    expect(frames.at(-1)).toEqual({ event: 'end', data: { status: 'SUCCESS' } });

    const action = (await (
      await fetch(`${daemon.url}/v1/actions/e2e-disc-1`, {
        headers: { authorization: `Bearer ${AGENT_TOKEN}` },
      })
    ).json()) as { status: string; result: unknown; events: { at: string; status: string }[] };
    expect(action.status).toBe('SUCCESS');
    const result = DiscoveryResultSchema.parse(action.result);
    expect(result.products.map((p) => [p.id, p.price])).toEqual([
      ['uso_alpine_11', { amount: '88.00', currency: 'USD' }],
      ['uso_bravo_22', { amount: '24.99', currency: 'EUR' }],
    ]);
    expect(Object.fromEntries(result.partners.map((p) => [p.slug, p.status]))).toEqual({
      alpine: 'ok',
      bravo: 'ok',
      hangs: 'timeout',
    });
    // The results were in hand within 3.5 s of submission (the ledger's own clock).
    const queued = Date.parse(action.events[0]!.at);
    const done = Date.parse(action.events.at(-1)!.at);
    expect(done - queued).toBeLessThan(3_500);

    // Every progress payload is public too.
    for (const f of frames.filter((x) => x.event === 'progress')) {
      const products = (f.data.payload as { products: unknown[] }).products;
      for (const p of products) PublicProductSchema.parse(p);
    }
    for (const key of INTERNAL_PRODUCT_KEYS) expect(text + JSON.stringify(action)).not.toContain(key);
    expect(text + JSON.stringify(action)).not.toContain('gid://');
  }, 30_000);
});
