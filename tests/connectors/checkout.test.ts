/**
 * The checkout connector end to end below the pipeline: the real Shopify bridge against the
 * GraphQL stand-in, the real refund webhook client against its stand-in, and the checkout store
 * on the ledger database — run once on PGlite and once on PostgreSQL (fresh schema).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../bridges/errors.ts';
import { RefundWebhook } from '../../bridges/payment-webhook/refund.ts';
import { ShopifyAdminBridge } from '../../bridges/shopify-admin/bridge.ts';
import { CheckoutConnector } from '../../connectors/checkout.ts';
import type { CheckoutStore } from '../../connectors/checkout-store.ts';
import type { ExecutionContext } from '../../daemon/core/types.ts';
import { createCheckoutStore } from '../../daemon/ledger/checkout-store.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import type { SqlLedger } from '../../daemon/ledger/sql-ledger.ts';
import { freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';
import { type RefundWebhookStandIn, startRefundWebhookStandIn } from '../support/refund-webhook-standin.ts';
import {
  type ShopifyStandIn,
  STANDIN_SHIPPING,
  STANDIN_TAX_BPS,
  STANDIN_VARIANTS,
  startShopifyStandIn,
} from '../support/shopify-admin-standin.ts';

const TOKEN = 'shpat_checkout_test_3e5a7c9b1d0f2468';
const SECRET = 'checkout-refund-secret-8a6c4e2f';
const ADDRESS = {
  name: 'Ada Lovelace',
  address1: '1 Congress Ave',
  city: 'Austin',
  province_code: 'TX',
  country_code: 'US',
  zip: '78701',
};

let seq = 0;
const ctx = (actionId = `act-${++seq}`): ExecutionContext => ({
  agentId: 'agent-checkout-1',
  actionId,
  signal: new AbortController().signal,
});

/** The expected totals, computed from the catalogue, tax table and rates (not read back from the stand-in). */
function expected(items: { id: number; quantity: number }[], country: string, province: string) {
  const subtotal = items.reduce(
    (s, it) => s + (STANDIN_VARIANTS.find((v) => v.id === it.id)?.priceCents ?? 0) * it.quantity,
    0,
  );
  const bps = STANDIN_TAX_BPS[`${country}-${province}`] ?? STANDIN_TAX_BPS[country] ?? 0;
  const tax = Math.round((subtotal * bps) / 10_000);
  const shipping = Math.min(...(STANDIN_SHIPPING[country] ?? []).map((r) => r.cents));
  const f = (c: number) => (c / 100).toFixed(2);
  return { subtotal: f(subtotal), tax: f(tax), shipping: f(shipping), total: f(subtotal + tax + shipping) };
}

const lineItems = [
  { variant_id: 'gid://shopify/ProductVariant/1001', quantity: 2 },
  { variant_id: '1002', quantity: 1 },
];
const expectedItems = [
  { id: 1001, quantity: 2 },
  { id: 1002, quantity: 1 },
];

for (const kind of ['pglite', 'postgres'] as const) {
  describe(`CheckoutConnector (${kind} store)`, () => {
    let shop: ShopifyStandIn;
    let hook: RefundWebhookStandIn;
    let ledger: SqlLedger;
    let schema: TestSchema | undefined;
    let store: CheckoutStore;
    let connector: CheckoutConnector;

    beforeAll(async () => {
      shop = await startShopifyStandIn({ token: TOKEN });
      hook = await startRefundWebhookStandIn({ secret: SECRET });
      if (kind === 'postgres') {
        await requirePostgres();
        schema = await freshSchema();
        ledger = await createLedger({
          databaseUrl: schema.databaseUrl,
          dataDir: '.data',
          schema: schema.schema,
        });
      } else {
        ledger = await createLedger({ dataDir: 'memory://' });
      }
      await ledger.migrate();
      // Applying the migrations again changes nothing (the checkout migration is idempotent too).
      expect(await ledger.migrate()).toEqual([]);
      store = createCheckoutStore(ledger);
      connector = new CheckoutConnector({
        shopify: new ShopifyAdminBridge({
          shopDomain: shop.shopDomain,
          accessToken: TOKEN,
          timeoutMs: 3_000,
        }),
        store,
        refunds: new RefundWebhook({ url: hook.url, secret: SECRET, baseMs: 5 }),
        staleClaimMs: 60_000,
        sessions: ledger.sessions,
      });
    }, 60_000);

    afterAll(async () => {
      await shop?.close();
      await hook?.close();
      await ledger?.close();
      await schema?.drop();
    });
    afterEach(() => {
      hook.failNext(200, 0);
    });

    const precheck = (params: Record<string, unknown>, c = ctx()) =>
      connector.execute({ command_type: 'CHECKOUT_PRECHECK', action_id: c.actionId, params }, c);
    const complete = (params: Record<string, unknown>, c = ctx()) =>
      connector.execute({ command_type: 'CHECKOUT_COMPLETE', action_id: c.actionId, params }, c);
    const draft = async (items = lineItems) => {
      const r = await precheck({ line_items: items, shipping_address: ADDRESS, currency: 'USD' });
      return { id: r.draft_order_id as string, total: r.total_amount as number };
    };
    const failure = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectorError);
      return err as ConnectorError;
    };

    it('prices a cart exactly (subtotal, tax, shipping, currency) and creates the draft', async () => {
      const creates = shop.count('draftOrderCreate');
      const r = await precheck({
        session_id: 'sess-1',
        line_items: lineItems,
        shipping_address: ADDRESS,
        currency: 'USD',
      });
      const want = expected(expectedItems, 'US', 'TX');
      expect(r).toMatchObject({
        status: 'ok',
        ...want,
        currency: 'USD',
        session_id: 'sess-1',
        repriced: false,
      });
      expect(r.total_amount).toBe(Number(want.total));
      expect(r.shipping_rate).toMatchObject({ title: 'Standard' });
      expect(String(r.draft_order_id)).toMatch(/^gid:\/\/shopify\/DraftOrder\/\d+$/);
      expect(shop.count('draftOrderCreate')).toBe(creates + 1);
      const stored = shop.drafts.get(String(r.draft_order_id));
      expect(stored?.note).toContain('agent-checkout-1/');
      // Another region: another tax rate and shipping rate, still exact.
      const gb = await precheck({
        line_items: [{ variant_id: '1003', quantity: 3 }],
        shipping_address: { address1: '10 Downing St', city: 'London', country_code: 'GB', zip: 'SW1A 2AA' },
        currency: 'USD',
      });
      expect(gb).toMatchObject(expected([{ id: 1003, quantity: 3 }], 'GB', ''));
    });

    it('refuses a stated total that differs from the computed one, creating nothing', async () => {
      const creates = shop.count('draftOrderCreate');
      const want = expected(expectedItems, 'US', 'TX');
      const err = await failure(
        precheck({
          line_items: lineItems,
          shipping_address: ADDRESS,
          currency: 'USD',
          total_amount: Number(want.total) + 0.01,
        }),
      );
      expect(err.code).toBe('TOTAL_MISMATCH');
      expect(err.message).toContain('params.total_amount');
      expect(err.message).toContain(want.total);
      expect(shop.count('draftOrderCreate')).toBe(creates);
      // The exact amount passes.
      const ok = await precheck({
        line_items: lineItems,
        shipping_address: ADDRESS,
        currency: 'USD',
        total_amount: Number(want.total),
      });
      expect(ok.total).toBe(want.total);
    });

    it('refuses another currency, an address without shipping and a bad variant id, naming the field', async () => {
      const eur = await failure(
        precheck({ line_items: lineItems, shipping_address: ADDRESS, currency: 'EUR' }),
      );
      expect(eur).toMatchObject({ code: 'TOTAL_MISMATCH' });
      expect(eur.message).toContain('params.currency');
      const de = await failure(
        precheck({
          line_items: lineItems,
          shipping_address: { ...ADDRESS, country_code: 'DE', province_code: undefined },
          currency: 'USD',
        }),
      );
      expect(de).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'NO_SHIPPING_RATE' });
      const bad = await failure(
        precheck({
          line_items: [{ variant_id: 'uso_x_1', quantity: 1 }],
          shipping_address: ADDRESS,
          currency: 'USD',
        }),
      );
      expect(bad).toMatchObject({ code: 'INVALID_REQUEST' });
      expect(bad.message).toContain('params.line_items[0].variant_id');
      const unknown = await failure(
        precheck({
          line_items: [{ variant_id: '999', quantity: 1 }],
          shipping_address: ADDRESS,
          currency: 'USD',
        }),
      );
      expect(unknown).toMatchObject({ code: 'REMOTE_ERROR', remoteCode: 'USER_ERRORS' });
    });

    it('completes a draft once; a replay or a retried job does not complete it again', async () => {
      const d = await draft();
      const stock = shop.variants.get(1001)?.inventory ?? 0;
      const completes = shop.count('draftOrderComplete');
      const params = {
        session_id: 'sess-2',
        draft_order_id: d.id,
        payment_reference: `pay-${kind}-once`,
        total_amount: d.total,
        currency: 'USD',
      };
      const first = await complete(params);
      expect(first).toMatchObject({
        status: 'completed',
        draft_order_id: d.id,
        already_completed: false,
        session_id: 'sess-2',
      });
      expect(String(first.order_id)).toMatch(/^gid:\/\/shopify\/Order\/\d+$/);
      expect(shop.count('draftOrderComplete')).toBe(completes + 1);
      expect(shop.variants.get(1001)?.inventory).toBe(stock - 2);

      // The same action again (a redelivered job) and a new action with the same payment.
      const again = await complete(params, { ...ctx('replay-a') });
      const replay = await complete(params);
      for (const r of [again, replay]) {
        expect(r).toMatchObject({ status: 'completed', already_completed: true, order_id: first.order_id });
      }
      expect(shop.count('draftOrderComplete')).toBe(completes + 1);
      expect(shop.variants.get(1001)?.inventory).toBe(stock - 2);
      expect(hook.calls(params.payment_reference)).toBe(0);
    });

    it('completes only once when two workers race on the same draft', async () => {
      const d = await draft([{ variant_id: '1003', quantity: 1 }]);
      const completes = shop.count('draftOrderComplete');
      const params = {
        draft_order_id: d.id,
        payment_reference: `pay-${kind}-race`,
        total_amount: d.total,
        currency: 'USD',
      };
      const results = await Promise.allSettled([complete(params), complete(params), complete(params)]);
      expect(shop.count('draftOrderComplete')).toBe(completes + 1);
      const done = results.filter((r) => r.status === 'fulfilled');
      expect(done.length).toBeGreaterThanOrEqual(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT', retryable: true });
      }
    });

    it('refuses a mismatched amount, another payment for a paid draft, and a reused payment reference', async () => {
      const d = await draft([{ variant_id: '1003', quantity: 2 }]);
      const completes = shop.count('draftOrderComplete');
      const mismatch = await failure(
        complete({
          draft_order_id: d.id,
          payment_reference: `pay-${kind}-mm`,
          total_amount: d.total - 1,
          currency: 'USD',
        }),
      );
      expect(mismatch.code).toBe('TOTAL_MISMATCH');
      expect(shop.count('draftOrderComplete')).toBe(completes);
      // Nothing happened, so the corrected command goes ahead with the same reference.
      await complete({
        draft_order_id: d.id,
        payment_reference: `pay-${kind}-mm`,
        total_amount: d.total,
        currency: 'USD',
      });
      const other = await failure(
        complete({
          draft_order_id: d.id,
          payment_reference: `pay-${kind}-other`,
          total_amount: d.total,
          currency: 'USD',
        }),
      );
      expect(other).toMatchObject({ code: 'CONFLICT' });
      const d2 = await draft([{ variant_id: '1003', quantity: 1 }]);
      const reused = await failure(
        complete({
          draft_order_id: d2.id,
          payment_reference: `pay-${kind}-mm`,
          total_amount: d2.total,
          currency: 'USD',
        }),
      );
      expect(reused).toMatchObject({ code: 'CONFLICT' });
      expect(reused.message).toContain('params.payment_reference');
      expect(shop.count('draftOrderComplete')).toBe(completes + 1);
    });

    it('out of stock: the leg fails, a refund is requested exactly once, and an alert is asked for', async () => {
      const d = await draft([{ variant_id: '1002', quantity: 1 }]);
      const kettle = shop.variants.get(1002);
      if (kettle) kettle.inventory = 0;
      const ref = `pay-${kind}-oos`;
      await ledger.sessions.createSession({
        sessionId: 'sess-oos',
        ownerAgentId: 'agent-checkout-1',
        createdBy: 'admin-1',
        legs: [
          { legId: 'leg-hotel', kind: 'hotel' },
          { legId: 'leg-kettle', kind: 'product' },
        ],
      });
      const params = {
        session_id: 'sess-oos',
        leg_id: 'leg-kettle',
        draft_order_id: d.id,
        payment_reference: ref,
        total_amount: d.total,
        currency: 'USD',
      };
      const err = await failure(complete(params));
      expect(err.code).toBe('CHECKOUT_FAILED');
      expect(err.details).toMatchObject({
        leg_status: 'failed',
        session_id: 'sess-oos',
        draft_order_id: d.id,
        failure: { code: 'OUT_OF_STOCK' },
        refund: { status: 'requested', sent_now: true, payment_reference: ref },
        leg: { session_id: 'sess-oos', leg_id: 'leg-kettle', outcome: 'failed' },
      });
      // The purchase's leg is failed; the session's other legs are untouched.
      const session = await ledger.sessions.getSession('sess-oos');
      expect(session?.legs.map((l) => [l.legId, l.status])).toEqual([
        ['leg-hotel', 'pending'],
        ['leg-kettle', 'failed'],
      ]);
      expect(err.alert).toMatchObject({ kind: 'checkout_failed', severity: 'high' });
      expect(hook.calls(ref)).toBe(1);
      expect(hook.accepted.at(-1)?.body).toMatchObject({
        amount: d.total.toFixed(2),
        currency: 'USD',
        session_id: 'sess-oos',
      });

      // The job retried, and the agent resubmitting: still failed, no second refund, no alert.
      const completes = shop.count('draftOrderComplete');
      for (const c of [ctx('oos-retry'), ctx()]) {
        const again = await failure(complete(params, c));
        expect(again.code).toBe('CHECKOUT_FAILED');
        expect(again.details).toMatchObject({
          refund: { status: 'requested', sent_now: false },
          leg: { outcome: 'unchanged', reason: 'already failed' },
        });
        expect(again.alert).toBeUndefined();
      }
      expect(hook.calls(ref)).toBe(1);
      expect(shop.count('draftOrderComplete')).toBe(completes);
      if (kettle) kettle.inventory = 20;
    });

    it('a refund the webhook refused is retried by the next attempt, and still sent only once', async () => {
      const d = await draft([{ variant_id: '1001', quantity: 1 }]);
      const mug = shop.variants.get(1001);
      const stock = mug?.inventory ?? 0;
      if (mug) mug.inventory = 0;
      const ref = `pay-${kind}-hookdown`;
      const params = { draft_order_id: d.id, payment_reference: ref, total_amount: d.total, currency: 'USD' };
      hook.failNext(503, 10);
      const err = await failure(complete(params));
      expect(err.details).toMatchObject({ refund: { status: 'failed', sent_now: true } });
      expect(err.alert).toMatchObject({ severity: 'critical' });
      expect(hook.calls(ref)).toBe(0);
      expect((await store.getRefund(ref))?.status).toBe('failed');
      hook.failNext(200, 0);
      const again = await failure(complete(params));
      expect(again.details).toMatchObject({ refund: { status: 'requested', sent_now: true } });
      await failure(complete(params));
      expect(hook.calls(ref)).toBe(1);
      expect((await store.getRefund(ref))?.attempts).toBe(2);
      if (mug) mug.inventory = stock;
    });

    it('keeps the token out of every error and ledger row', async () => {
      const sql = (ledger as unknown as { sql: { query: (q: string) => Promise<object[]> } }).sql;
      const rows = await sql.query('select * from checkout_completions');
      const refunds = await sql.query('select * from checkout_refunds');
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify([rows, refunds])).not.toContain(TOKEN);
      expect(JSON.stringify(connector.health())).not.toContain(TOKEN);
    });
  });
}

describe('CheckoutConnector without a refund path', () => {
  it('offers CHECKOUT_PRECHECK only, and CHECKOUT_COMPLETE ends not configured', async () => {
    const shop = await startShopifyStandIn({ token: TOKEN });
    try {
      const c = new CheckoutConnector({
        shopify: new ShopifyAdminBridge({ shopDomain: shop.shopDomain, accessToken: TOKEN }),
      });
      expect(c.commandTypes).toEqual(['CHECKOUT_PRECHECK']);
      await expect(
        c.execute({ command_type: 'CHECKOUT_COMPLETE', action_id: 'x', params: {} }, ctx('x')),
      ).rejects.toMatchObject({ code: 'NOT_CONFIGURED' });
      expect(shop.requests).toHaveLength(0);
    } finally {
      await shop.close();
    }
  });
});
