/**
 * DISCOVER_PRODUCTS end to end below the pipeline: the discovery connector, the Shopify MCP
 * bridge (the SDK's Client over streamable HTTP) and the partner store (real Postgres and PGlite)
 * against the MCP stand-in with scripted partners: one slow beyond the timeout, one failing, one
 * answering with internal keys that must never come out.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  ConnectorNotConfiguredError,
  RetryableConnectorError,
} from '../../bridges/errors.ts';
import { ShopifyMcpBridge } from '../../bridges/shopify-mcp/bridge.ts';
import { DiscoveryConnector, PARTNER_PROGRESS_KIND } from '../../connectors/discovery.ts';
import {
  applyPremium,
  DiscoveryResultSchema,
  INTERNAL_PRODUCT_KEYS,
  maskProductId,
  sanitiseProductId,
} from '../../connectors/discovery-shape.ts';
import type { ExecutionContext, Ledger, PartnerStore, PartnerUpsert } from '../../daemon/core/types.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';
import {
  type ShopifyMcpStandIn,
  shopifyProduct,
  startShopifyMcpStandIn,
} from '../support/shopify-mcp-standin.ts';

const INTERNAL = {
  experience_tags: ['glamping', 'secret-tag-7f3'],
  partner_id: 'partner-internal-991',
  internal_notes: 'margin 41% do-not-share',
  raw_shopify_variant_ids: ['gid://shopify/ProductVariant/555001'],
};

function partner(slug: string, endpoint: string, premium = '0'): PartnerUpsert {
  return {
    slug,
    shopUrl: `https://${slug}.myshopify.com`,
    mcpEndpoint: endpoint,
    capabilities: ['search_shop_catalog'],
    pricePremiumPercent: premium,
    enabled: true,
  };
}

function command(params: Record<string, unknown>, actionId = 'disc-1') {
  return { action_id: actionId, command_type: 'DISCOVER_PRODUCTS', params };
}

describe('discovery shape', () => {
  it.each([
    ['19.99', '12.5', 'USD', '22.49'], // 22.48875
    ['19.99', '10', 'USD', '21.99'], // 21.989
    ['100', '12.5', 'USD', '112.50'],
    ['0.10', '5', 'USD', '0.11'], // 0.105: half up
    ['0.01', '0', 'EUR', '0.01'],
    ['1500', '7', 'JPY', '1605'],
    ['1500', '7.33', 'JPY', '1610'], // 1609.95
    ['10.000', '1', 'KWD', '10.100'],
    ['0.1', '20', 'USD', '0.12'], // floats would say 0.12000000000000001
  ])('applyPremium(%s, %s percent, %s) = %s', (amount, pct, currency, expected) => {
    expect(applyPremium(amount, pct, currency)).toBe(expected);
  });

  it.each([
    ['-5', '10', 'USD'],
    ['abc', '10', 'USD'],
    ['10', '10', 'XYZ1'],
    ['10', '-1', 'USD'],
  ])('applyPremium refuses %s, %s, %s', (amount, pct, currency) => {
    expect(applyPremium(amount, pct, currency)).toBeUndefined();
  });

  it('masks ids: numeric tail of a GID, clean ids as is, anything else reduced with a digest', () => {
    expect(maskProductId('alpine', 'gid://shopify/Product/8123')).toBe('uso_alpine_8123');
    expect(sanitiseProductId('SKU_42-b')).toBe('SKU_42-b');
    const a = sanitiseProductId('a/b c');
    const b = sanitiseProductId('a b/c');
    expect(a).toMatch(/^a-b-c-[0-9a-f]{12}$/);
    expect(b).toMatch(/^a-b-c-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(sanitiseProductId('gid://shopify/Product/12/../x')).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe.each(['postgres', 'pglite'] as const)('partner store on %s', (backend) => {
  let db: TestSchema | undefined;
  let ledger: Ledger & PartnerStore;

  beforeAll(async () => {
    if (backend === 'postgres') await requirePostgres();
  });
  beforeEach(async () => {
    if (backend === 'postgres') {
      db = await freshSchema();
      ledger = await createLedger({ databaseUrl: db.databaseUrl, schema: db.schema, dataDir: 'unused' });
    } else {
      ledger = await createLedger({ dataDir: 'memory://' });
    }
    await ledger.migrate();
  }, 60_000); // PGlite's start-up is slow on a loaded machine
  afterEach(async () => {
    await ledger.close();
    await db?.drop();
    db = undefined;
  });

  it('upserts and lists partners, premium as an exact decimal', async () => {
    const first = await ledger.upsertPartner(
      partner('alpine', 'https://alpine.myshopify.com/api/mcp', '12.5'),
    );
    expect(first.created).toBe(true);
    expect(first.partner).toMatchObject({ slug: 'alpine', pricePremiumPercent: '12.50', enabled: true });
    const again = await ledger.upsertPartner({
      ...partner('alpine', 'https://alpine.example/api/mcp', '7'),
      enabled: false,
    });
    expect(again.created).toBe(false);
    expect(again.partner).toMatchObject({
      mcpEndpoint: 'https://alpine.example/api/mcp',
      pricePremiumPercent: '7.00',
    });
    await ledger.upsertPartner(partner('bravo', 'https://bravo.myshopify.com/api/mcp'));
    expect((await ledger.listPartners()).map((p) => p.slug)).toEqual(['alpine', 'bravo']);
    expect((await ledger.listPartners({ enabledOnly: true })).map((p) => p.slug)).toEqual(['bravo']);
  });

  it('refuses a premium out of range and a non-http endpoint (database checks)', async () => {
    await expect(
      ledger.upsertPartner(partner('alpine', 'https://a.example/api/mcp', '150')),
    ).rejects.toThrow();
    await expect(ledger.upsertPartner(partner('alpine', 'ftp://a.example/api/mcp'))).rejects.toThrow();
    expect(await ledger.listPartners()).toEqual([]);
  });

  it('saves and resolves product id mappings; the first mapping of an id stays', async () => {
    await ledger.upsertPartner(partner('alpine', 'https://alpine.myshopify.com/api/mcp'));
    const m = { maskedId: 'uso_alpine_1', partnerSlug: 'alpine', originalId: 'gid://shopify/Product/1' };
    await ledger.saveProductMappings([m, m]);
    await ledger.saveProductMappings([{ ...m, originalId: 'other' }]);
    expect(await ledger.resolveProductId('uso_alpine_1')).toEqual(m);
    expect(await ledger.resolveProductId('uso_alpine_2')).toBeUndefined();
  });

  it('appends progress apart from the transitions and reads it by cursor', async () => {
    await ledger.createAction({
      agentId: 'a1',
      actionId: 'x1',
      commandType: 'DISCOVER_PRODUCTS',
      command: {},
      payloadHash: 'h',
      queue: 'q',
    });
    const id1 = await ledger.appendProgress!('a1', 'x1', 'discovery.partner', { n: 1 });
    const id2 = await ledger.appendProgress!('a1', 'x1', 'discovery.partner', { n: 2 });
    expect(id2).toBeGreaterThan(id1);
    expect((await ledger.progressSince!('a1', 'x1', 0)).map((p) => p.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect((await ledger.progressSince!('a1', 'x1', id1)).map((p) => p.id)).toEqual([id2]);
    // Progress is not a transition: status and events are untouched.
    expect((await ledger.getAction('a1', 'x1'))?.status).toBe('QUEUED');
    expect(await ledger.events('a1', 'x1')).toHaveLength(1);
  });
});

describe('DiscoveryConnector against three stand-in partners', () => {
  let db: TestSchema;
  let ledger: Ledger & PartnerStore;
  let mcp: ShopifyMcpStandIn;

  beforeAll(async () => {
    await requirePostgres();
  });
  beforeEach(async () => {
    db = await freshSchema();
    ledger = await createLedger({ databaseUrl: db.databaseUrl, schema: db.schema, dataDir: 'unused' });
    await ledger.migrate();
    mcp = await startShopifyMcpStandIn({
      alpine: {
        products: [
          shopifyProduct(8123, 'Rain jacket', '19.99', 'USD', INTERNAL),
          shopifyProduct(8124, 'Trail tent', '100.00', 'USD', INTERNAL),
          { ...shopifyProduct(8125, 'No price', '1.00'), price_range: undefined, variants: [] },
        ],
        latencyMs: 20,
      },
      slowco: { products: [shopifyProduct(1, 'Kayak', '900.00')], latencyMs: 10_000 },
      broken: { products: [], fail: 'tool_error', latencyMs: 400 },
    });
    await ledger.upsertPartner(partner('alpine', mcp.endpoint('alpine'), '12.5'));
    await ledger.upsertPartner(partner('slowco', mcp.endpoint('slowco')));
    await ledger.upsertPartner(partner('broken', mcp.endpoint('broken')));
  });
  afterEach(async () => {
    await mcp.close();
    await ledger.close();
    await db.drop();
  });

  function ctx(progress?: Record<string, unknown>[], signal = AbortSignal.timeout(30_000)): ExecutionContext {
    return {
      agentId: 'agent-7',
      actionId: 'disc-1',
      signal,
      ...(progress
        ? {
            progress: async (p: Record<string, unknown>) => {
              progress.push(p);
            },
          }
        : {}),
    };
  }

  it('returns the partial results within the deadline, premium applied, ids masked and resolvable, no internal keys', async () => {
    const connector = new DiscoveryConnector({
      bridge: new ShopifyMcpBridge({ timeoutMs: 3_000 }),
      partners: ledger,
    });
    const progress: Record<string, unknown>[] = [];
    const t0 = performance.now();
    const result = await connector.execute(command({ query: 'rain jacket', limit: 5 }), ctx(progress));
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(3_500);
    expect(ms).toBeGreaterThanOrEqual(2_900); // it did wait for the slow partner's deadline

    const parsed = DiscoveryResultSchema.parse(result); // strict: any extra key fails
    expect(parsed.products).toEqual([
      {
        id: 'uso_alpine_8123',
        title: 'Rain jacket',
        price: { amount: '22.49', currency: 'USD' },
        image_url: 'https://cdn.shopify.com/s/files/1/p-8123.jpg',
        description: 'Rain jacket, tested by the stand-in.',
        partner: 'alpine',
      },
      expect.objectContaining({ id: 'uso_alpine_8124', price: { amount: '112.50', currency: 'USD' } }),
    ]);
    const bySlug = Object.fromEntries(parsed.partners.map((p) => [p.slug, p]));
    expect(bySlug.alpine).toEqual({ slug: 'alpine', status: 'ok', count: 2 });
    expect(bySlug.slowco).toMatchObject({
      status: 'timeout',
      count: 0,
      error: { code: 'TIMEOUT', retryable: true },
    });
    expect(bySlug.broken).toMatchObject({
      status: 'failed',
      count: 0,
      error: { code: 'REMOTE_ERROR', retryable: false },
    });

    const text = JSON.stringify({ result, progress });
    for (const key of INTERNAL_PRODUCT_KEYS) expect(text).not.toContain(key);
    for (const value of ['secret-tag-7f3', 'partner-internal-991', 'do-not-share', '555001', 'gid://'])
      expect(text).not.toContain(value);

    expect(await ledger.resolveProductId('uso_alpine_8123')).toEqual({
      maskedId: 'uso_alpine_8123',
      partnerSlug: 'alpine',
      originalId: 'gid://shopify/Product/8123',
    });

    // Each partner has its own breaker and counters (`shopify-mcp:<slug>`), for /readyz.
    const health = connector.bridgeHealth();
    expect(Object.keys(health).sort()).toEqual([
      'shopify-mcp:alpine',
      'shopify-mcp:broken',
      'shopify-mcp:slowco',
    ]);
    expect(health['shopify-mcp:slowco']).toMatchObject({ state: 'closed', lastError: { code: 'TIMEOUT' } });
    expect(health['shopify-mcp:alpine']).toMatchObject({ counters: { calls: 1, failures: 0 } });

    // One progress record per partner, in arrival order: the slow one last.
    expect(progress.map((p) => (p.partner as { slug: string }).slug)).toEqual(['alpine', 'broken', 'slowco']);
    expect(progress.every((p) => p.kind === PARTNER_PROGRESS_KIND)).toBe(true);
    expect((progress[0]!.products as unknown[]).length).toBe(2);

    // Shopify's documented arguments reached each partner.
    expect(mcp.calls.find((c) => c.partner === 'alpine')?.arguments).toMatchObject({
      query: 'rain jacket',
      limit: 5,
      context: expect.any(String),
    });
  });

  it('asks only the requested partners and reports unknown ones', async () => {
    const connector = new DiscoveryConnector({
      bridge: new ShopifyMcpBridge({ timeoutMs: 500 }),
      partners: ledger,
    });
    const result = DiscoveryResultSchema.parse(
      await connector.execute(command({ query: 'tent', partners: ['alpine', 'nope'] }), ctx()),
    );
    expect(mcp.calls.map((c) => c.partner)).toEqual(['alpine']);
    expect(result.partners).toEqual([
      { slug: 'alpine', status: 'ok', count: 2 },
      expect.objectContaining({
        slug: 'nope',
        status: 'failed',
        error: expect.objectContaining({ code: 'NOT_CONFIGURED' }),
      }),
    ]);
  });

  it('fails only when every partner failed, with a retryable PARTNERS_UNAVAILABLE', async () => {
    const connector = new DiscoveryConnector({
      bridge: new ShopifyMcpBridge({ timeoutMs: 300 }),
      partners: ledger,
    });
    const err = await connector
      .execute(command({ query: 'tent', partners: ['slowco', 'broken'] }), ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableConnectorError);
    expect((err as RetryableConnectorError).toJSON()).toMatchObject({
      connector: 'discovery',
      code: 'PARTNERS_UNAVAILABLE',
      retryable: true,
    });
    expect((err as Error).message).toContain('slowco: TIMEOUT');
  });

  it('maps HTTP errors, non-JSON results and unreachable partners onto the envelope', async () => {
    mcp.set('broken', { products: [], fail: 'http500' });
    mcp.set('garbled', { products: [], fail: 'not_json' });
    await ledger.upsertPartner(partner('garbled', mcp.endpoint('garbled')));
    await ledger.upsertPartner(partner('gone', 'http://127.0.0.1:1/api/mcp'));
    const connector = new DiscoveryConnector({
      bridge: new ShopifyMcpBridge({ timeoutMs: 1_000 }),
      partners: ledger,
    });
    const result = DiscoveryResultSchema.parse(
      await connector.execute(
        command({ query: 'tent', partners: ['alpine', 'broken', 'garbled', 'gone'] }),
        ctx(),
      ),
    );
    const errors = Object.fromEntries(result.partners.map((p) => [p.slug, p.error]));
    expect(errors.broken).toMatchObject({ code: 'HTTP_5XX', status: 500, retryable: true });
    expect(errors.garbled).toMatchObject({ code: 'BAD_RESPONSE', retryable: false });
    expect(errors.gone).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(JSON.stringify(result)).not.toContain('<html>');
  });

  it('ends NOT_CONFIGURED without any call when no partner is enabled', async () => {
    const empty = { listPartners: async () => [], saveProductMappings: async () => {} };
    const connector = new DiscoveryConnector({ bridge: new ShopifyMcpBridge(), partners: empty });
    await expect(connector.execute(command({ query: 'tent' }), ctx())).rejects.toBeInstanceOf(
      ConnectorNotConfiguredError,
    );
    expect(mcp.calls).toEqual([]);
  });

  it('stops at once when the caller aborts (CANCELLED), holding no partner past it', async () => {
    const connector = new DiscoveryConnector({
      bridge: new ShopifyMcpBridge({ timeoutMs: 5_000 }),
      partners: ledger,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const t0 = performance.now();
    const err = await connector
      .execute(command({ query: 'tent', partners: ['slowco'] }), ctx(undefined, controller.signal))
      .catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).code).toBe('CANCELLED');
  });
});
