/**
 * The Shopify GraphQL Admin bridge against the stand-in (a real HTTP server speaking GraphQL
 * with Shopify's cost extensions), and the refund webhook client against its stand-in.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, RetryableConnectorError } from '../../bridges/errors.ts';
import { RefundWebhook, refundIdempotencyKey, signRefundBody } from '../../bridges/payment-webhook/refund.ts';
import { CostBudget } from '../../bridges/shopify-admin/cost-budget.ts';
import { SHOPIFY_API_VERSION, ShopifyAdminBridge } from '../../bridges/shopify-admin/bridge.ts';
import { graphqlEndpoint, parseAnswer } from '../../bridges/shopify-admin/protocol.ts';
import { closedPort } from '../support/pg.ts';
import { type RefundWebhookStandIn, startRefundWebhookStandIn } from '../support/refund-webhook-standin.ts';
import { type ShopifyStandIn, startShopifyStandIn } from '../support/shopify-admin-standin.ts';

const TOKEN = 'shpat_bridge_test_7c1e9a0b5d3f2e4a';
const STATUS =
  'query DraftOrderStatus($id: ID!) { draftOrder(id: $id) { id status totalPriceSet { presentmentMoney { amount currencyCode } } } }';
const COMPLETE =
  'mutation C($id: ID!) { draftOrderComplete(id: $id) { draftOrder { id status } userErrors { field message } } }';

let shop: ShopifyStandIn;
beforeAll(async () => {
  // A small bucket with a slow restore so throttling is quick to provoke and measurable.
  shop = await startShopifyStandIn({ token: TOKEN, maximumAvailable: 60, restoreRate: 50 });
});
afterAll(async () => {
  await shop.close();
});

const bridge = (extra: Partial<ConstructorParameters<typeof ShopifyAdminBridge>[0]> = {}) =>
  new ShopifyAdminBridge({
    shopDomain: shop.shopDomain,
    accessToken: TOKEN,
    timeoutMs: 2_000,
    retry: { baseMs: 10, maxDelayMs: 20 },
    ...extra,
  });

const status = (id = 'gid://shopify/DraftOrder/1') => ({
  operation: 'draftOrder',
  query: STATUS,
  variables: { id },
  idempotent: true,
});

describe('ShopifyAdminBridge', () => {
  it('posts to the pinned version path with the token header and returns data and cost', async () => {
    const before = shop.requests.length;
    const r = await bridge().request(status());
    expect(r.data).toEqual({ draftOrder: null });
    expect(r.cost?.throttleStatus.maximumAvailable).toBe(60);
    const seen = shop.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ path: `/admin/api/${SHOPIFY_API_VERSION}/graphql.json`, outcome: 'ok' });
  });

  it('pins a current stable version and builds the endpoint from the shop domain', () => {
    expect(SHOPIFY_API_VERSION).toMatch(/^20\d\d-(01|04|07|10)$/);
    expect(graphqlEndpoint('demo.myshopify.com', '2026-10')).toBe(
      'https://demo.myshopify.com/admin/api/2026-10/graphql.json',
    );
    expect(() => graphqlEndpoint('https://demo.myshopify.com/x', '2026-10')).toThrow(/host name/);
    expect(() => graphqlEndpoint('demo.myshopify.com', '2026-02')).toThrow(/stable version/);
  });

  it('refuses a wrong token without retrying and never echoes a token', async () => {
    const wrong = 'shpat_wrong_token_000000000000';
    const before = shop.requests.length;
    const err = await bridge({ accessToken: wrong })
      .request(status())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).not.toBeInstanceOf(RetryableConnectorError);
    expect((err as ConnectorError).toJSON()).toMatchObject({
      code: 'HTTP_4XX',
      status: 401,
      retryable: false,
    });
    expect(shop.requests.slice(before).map((r) => r.outcome)).toEqual(['unauthorized']);
    const text = JSON.stringify((err as ConnectorError).toJSON()) + String((err as Error).stack);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(TOKEN);
  });

  it('answers 404 for another API version', async () => {
    const err = await bridge({ apiVersion: '2025-07' })
      .request(status())
      .catch((e: unknown) => e);
    expect((err as ConnectorError).toJSON()).toMatchObject({ code: 'HTTP_4XX', status: 404 });
  });

  it('waits for the restore when Shopify answers THROTTLED, then succeeds', async () => {
    shop.drain();
    const b = bridge();
    const before = shop.requests.length;
    const t0 = Date.now();
    const r = await b.request(status());
    const elapsed = Date.now() - t0;
    expect(r.data).toEqual({ draftOrder: null });
    const outcomes = shop.requests.slice(before).map((x) => x.outcome);
    expect(outcomes[0]).toBe('throttled');
    expect(outcomes.at(-1)).toBe('ok');
    // The stand-in's cost for this query over its restore rate of 50 points/s.
    const cost = shop.requests.at(-1)?.requestedCost ?? 0;
    expect(elapsed).toBeGreaterThanOrEqual(Math.floor((cost / 50) * 1000) - 50);
    expect(b.health().throttleWaits).toBeGreaterThanOrEqual(1);
  });

  it('waits before a request the known budget cannot hold instead of being throttled', async () => {
    const b = bridge();
    shop.drain();
    await b.request(status()); // throttled once, waits, succeeds: the answer reports a near-empty bucket
    const waits = b.health().throttleWaits;
    const before = shop.requests.length;
    // Without its own wait this request would find too few points and be throttled by Shopify.
    expect(shop.available()).toBeLessThan(shop.requests.at(-1)?.requestedCost ?? 0);
    await b.request(status());
    expect(shop.requests.slice(before).map((x) => x.outcome)).toEqual(['ok']);
    expect(b.health().throttleWaits).toBe(waits + 1);
  });

  it('gives up with RATE_LIMITED after the allowed number of THROTTLED answers', async () => {
    shop.throttleNext(3);
    const err = await bridge({ throttle: { maxRetries: 2 } })
      .request(status())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableConnectorError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', remoteCode: 'THROTTLED' });
    shop.throttleNext(0);
  });

  it('resends a throttled mutation (it did not run) but never retries a failed one', async () => {
    shop.throttleNext(1);
    const before = shop.count('draftOrderComplete');
    const r = await bridge().request({
      operation: 'draftOrderComplete',
      query: COMPLETE,
      variables: { id: 'gid://shopify/DraftOrder/424242' },
      idempotent: false,
    });
    expect(shop.count('draftOrderComplete')).toBe(before + 1);
    expect(r.data).toMatchObject({ draftOrderComplete: { draftOrder: null } });

    shop.failNext(503, 5);
    const r0 = shop.requests.length;
    const err = await bridge()
      .request({
        operation: 'draftOrderComplete',
        query: COMPLETE,
        variables: { id: 'gid://shopify/DraftOrder/424242' },
        idempotent: false,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HTTP_5XX', retryable: true });
    expect(shop.requests.length - r0).toBe(1);
    shop.failNext(503, 0);
  });

  it('retries an idempotent query on 5xx and succeeds', async () => {
    shop.failNext(502, 2);
    const r0 = shop.requests.length;
    const r = await bridge().request(status());
    expect(r.data).toEqual({ draftOrder: null });
    expect(shop.requests.slice(r0).map((x) => x.outcome)).toEqual(['injected', 'injected', 'ok']);
  });

  it('reports GraphQL errors as REMOTE_ERROR without retrying', async () => {
    const r0 = shop.requests.length;
    const err = await bridge()
      .request({ operation: 'bad', query: 'query { draftOrder(id: "1") { nope } }', idempotent: true })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REMOTE_ERROR', retryable: false });
    expect(shop.requests.length - r0).toBe(1);
  });

  it('times out and opens its breaker on an unreachable shop, failing fast afterwards', async () => {
    const port = await closedPort();
    const b = new ShopifyAdminBridge({
      shopDomain: `127.0.0.1:${port}`,
      accessToken: TOKEN,
      retry: { attempts: 1 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 2; i++) await expect(b.request(status())).rejects.toMatchObject({ code: 'NETWORK' });
    await expect(b.request(status())).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(b.health().state).toBe('open');
    expect(JSON.stringify(b.health())).not.toContain(TOKEN);
  });
});

describe('CostBudget and parseAnswer', () => {
  it('computes the wait from the restore rate', () => {
    let now = 0;
    const budget = new CostBudget(() => now);
    expect(budget.waitMs(100)).toBe(0);
    budget.observe({
      requestedQueryCost: 10,
      actualQueryCost: 10,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 40, restoreRate: 50 },
    });
    expect(budget.waitMs(140)).toBe(2_000);
    now = 1_000;
    expect(budget.available()).toBe(90);
    expect(budget.waitMs(140)).toBe(1_000);
    budget.reserve(90);
    expect(budget.waitMs(50)).toBe(1_000);
    expect(budget.waitMs(5_000)).toBe(0); // never fits: Shopify answers MAX_COST_EXCEEDED itself
  });

  it('reads the throttled shape and rejects non-GraphQL bodies', () => {
    const a = parseAnswer(
      '{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":12,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000,"currentlyAvailable":3,"restoreRate":100}}}}',
    );
    expect(typeof a).toBe('object');
    if (typeof a === 'object') {
      expect(a.errors[0]?.code).toBe('THROTTLED');
      expect(a.cost?.actualQueryCost).toBeNull();
    }
    expect(parseAnswer('<html>')).toMatch(/not JSON/);
  });
});

describe('RefundWebhook', () => {
  const SECRET = 'refund-webhook-secret-5b8c1d2e';
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
    amount: '86.18',
    currency: 'USD',
    draftOrderId: 'gid://shopify/DraftOrder/9001',
    sessionId: 'sess-1',
    reason: { code: 'OUT_OF_STOCK', message: 'Ceramic Mug is out of stock' },
  });

  it('sends a signed request the receiver verifies, with the idempotency key', async () => {
    const r = await new RefundWebhook({ url: hook.url, secret: SECRET }).request(refund('pay-sign-1'));
    expect(r.status).toBe(200);
    expect(hook.calls('pay-sign-1')).toBe(1);
    const got = hook.accepted.at(-1);
    expect(got?.idempotencyKey).toBe(refundIdempotencyKey('pay-sign-1'));
    expect(got?.body).toMatchObject({ event: 'refund.requested', amount: '86.18', session_id: 'sess-1' });
  });

  it('is refused with another secret (the receiver checks the HMAC)', async () => {
    const forged = hook.forged;
    const err = await new RefundWebhook({ url: hook.url, secret: 'another-secret-0000000000' })
      .request(refund('pay-forged-1'))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'HTTP_4XX', status: 401 });
    expect(hook.forged).toBe(forged + 1);
    expect(hook.calls('pay-forged-1')).toBe(0);
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain(SECRET);
  });

  it('retries 5xx (the idempotency key makes it safe) and signs each attempt', async () => {
    hook.failNext(503, 1);
    await new RefundWebhook({ url: hook.url, secret: SECRET, baseMs: 5 }).request(refund('pay-retry-1'));
    expect(hook.calls('pay-retry-1')).toBe(1);
    expect(signRefundBody('x', SECRET, 1)).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
