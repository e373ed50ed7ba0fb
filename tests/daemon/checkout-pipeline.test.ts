/**
 * Checkout through the whole governed path: the real pipeline, the shipped policy, the jury
 * (OpenAI stand-in) for CHECKOUT_COMPLETE, the Postgres ledger (fresh schema), the connectors as
 * the daemon wires them (`createDefaultConnectors`) against the Shopify and refund webhook
 * stand-ins, and the daemon's logger with its redaction.
 */
import { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultConnectors } from '../../connectors/registry.ts';
import { configSummary, loadConfig } from '../../daemon/config/index.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';
import type { Ledger } from '../../daemon/core/types.ts';
import { createCheckoutStore } from '../../daemon/ledger/checkout-store.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { createLogger } from '../../daemon/logger.ts';
import { Pipeline } from '../../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../../daemon/policy/rego-engine.ts';
import { runJury } from '../../judges/jury.ts';
import { ENV, testPanel } from '../support/jury-fixture.ts';
import { type OpenAIStandIn, startOpenAIStandIn } from '../support/openai-standin.ts';
import { freshSchema, requirePostgres, type TestSchema } from '../support/pg.ts';
import { type RefundWebhookStandIn, startRefundWebhookStandIn } from '../support/refund-webhook-standin.ts';
import { type ShopifyStandIn, startShopifyStandIn } from '../support/shopify-admin-standin.ts';

const POLICIES = resolve(import.meta.dirname, '../../policies');
const TOKEN = 'shpat_pipeline_test_5f7a9c1e3b2d4068';
const SECRET = 'pipeline-refund-secret-1d3f5b7a';
const ADDRESS = {
  name: 'Grace Hopper',
  address1: '1 Main St',
  city: 'Austin',
  province_code: 'TX',
  country_code: 'US',
  zip: '78701',
};

describe('checkout through the pipeline', () => {
  let schema: TestSchema;
  let ledger: Ledger;
  let policy: RegoPolicyEngine;
  let shop: ShopifyStandIn;
  let hook: RefundWebhookStandIn;
  let llm: OpenAIStandIn;
  let pipeline: Pipeline;
  const alerts: OrchestratorEvents['alert'][] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    await requirePostgres();
    schema = await freshSchema();
    ledger = await createLedger({ databaseUrl: schema.databaseUrl, dataDir: '.data', schema: schema.schema });
    await ledger.migrate();
    policy = await RegoPolicyEngine.load({ dir: POLICIES, watch: false });
    shop = await startShopifyStandIn({ token: TOKEN });
    hook = await startRefundWebhookStandIn({ secret: SECRET });
    llm = await startOpenAIStandIn();
    llm.scriptDefault({ verdict: 'approve' });

    // The configuration as the daemon reads it, so the wiring below is the daemon's.
    const config = loadConfig({
      SHOPIFY_SHOP_DOMAIN: shop.shopDomain,
      SHOPIFY_ADMIN_TOKEN: TOKEN,
      PAYMENT_REFUND_WEBHOOK_URL: hook.url,
      PAYMENT_REFUND_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'debug',
    });
    const logger = createLogger(
      config,
      new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    );
    logger.info({ config: configSummary(config) }, 'configuration');
    const bus = new EventBus((name, err) => logger.error({ err, event: name }, 'event subscriber failed'));
    bus.on('alert', (a) => {
      alerts.push(a);
      logger.warn({ alert: a }, `ALERT ${a.alert.severity}: ${a.summary}`);
    });
    bus.on('transition', (t) => logger.debug({ transition: t }, 'transition'));
    const connectors = createDefaultConnectors({
      checkout: {
        shopify: {
          shopDomain: config.shopifyShopDomain ?? '',
          accessToken: config.shopifyAdminToken ?? '',
          apiVersion: config.shopifyApiVersion,
          timeoutMs: config.shopifyTimeoutMs,
        },
        store: createCheckoutStore(ledger),
        refunds: {
          url: config.paymentRefundWebhookUrl ?? '',
          secret: config.paymentRefundWebhookSecret ?? '',
        },
      },
    });
    const panel = testPanel(llm.baseUrl, 'checkout');
    pipeline = new Pipeline({
      ledger,
      policy,
      connectors,
      bus,
      jury: (req) => runJury(panel, req, { env: ENV }),
      historyWindowMs: 3_600_000,
      maxCommandBytes: 16_384,
      maxStringLength: 2_048,
      deadLetter: async () => {},
    });
  }, 60_000);

  afterAll(async () => {
    await llm?.close();
    await shop?.close();
    await hook?.close();
    await policy?.close();
    await ledger?.close();
    await schema?.drop();
  });

  const job = (agent: string, id: string, command_type: string, params: Record<string, unknown>) => ({
    agent_id: agent,
    command: { action_id: id, command_type, params },
  });

  it('the shipped policy allows a precheck, judges a completion, and blocks the rest', () => {
    const h = { service: { attempts_1h: 0, denials_1h: 0 }, agent: { attempts_1h: 0, denials_1h: 0 } };
    const decide = (agent: string, type: string, params: Record<string, unknown>) =>
      policy.decide({
        command: { action_id: 'p', command_type: type, params },
        agent: { id: agent, queue: 'q' },
        context: { history: h },
        now: new Date().toISOString(),
      });
    expect(decide('agent-7', 'CHECKOUT_PRECHECK', { total_amount: 86.18 })).toMatchObject({
      action: 'allow',
      risk: 'LOW',
    });
    expect(decide('agent-7', 'CHECKOUT_PRECHECK', { total_amount: 1500 })).toMatchObject({
      action: 'judge',
      risk: 'MEDIUM',
    });
    expect(decide('agent-checkout-1', 'CHECKOUT_COMPLETE', { total_amount: 86.18 })).toMatchObject({
      action: 'judge',
      risk: 'MEDIUM',
    });
    expect(decide('agent-checkout-1', 'CHECKOUT_COMPLETE', { total_amount: 750 })).toMatchObject({
      action: 'block',
      risk: 'HIGH',
    });
    expect(decide('agent-7', 'CHECKOUT_COMPLETE', { total_amount: 86.18 })).toMatchObject({
      action: 'block',
    });
  });

  it('prechecks with the exact totals, completes once, and a replay completes nothing', async () => {
    const pre = await pipeline.process(
      'q',
      job('agent-7', 'pre-1', 'CHECKOUT_PRECHECK', {
        line_items: [
          { variant_id: '1001', quantity: 2 },
          { variant_id: '1003', quantity: 1 },
        ],
        shipping_address: ADDRESS,
        currency: 'USD',
      }),
    );
    expect(pre.status).toBe('SUCCESS');
    const r = (await ledger.getAction('agent-7', 'pre-1'))?.result ?? {};
    // 2 × 12.50 + 6.99 = 31.99; Texas tax 8.25 % = 2.64 (2.639…); Standard shipping 5.00.
    expect(r).toMatchObject({
      subtotal: '31.99',
      tax: '2.64',
      shipping: '5.00',
      total: '39.63',
      currency: 'USD',
    });

    const params = {
      draft_order_id: r.draft_order_id,
      payment_reference: 'pay-pipe-1',
      total_amount: r.total_amount,
      currency: 'USD',
    };
    const completes = shop.count('draftOrderComplete');
    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'done-1', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('SUCCESS');
    expect((await ledger.getAction('agent-checkout-1', 'done-1'))?.result).toMatchObject({
      status: 'completed',
      already_completed: false,
    });
    // The same job delivered again, and a new action for the same payment.
    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'done-1', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('DUPLICATE');
    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'done-2', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('SUCCESS');
    expect((await ledger.getAction('agent-checkout-1', 'done-2'))?.result).toMatchObject({
      already_completed: true,
    });
    expect(shop.count('draftOrderComplete')).toBe(completes + 1);
  });

  it('out of stock: FAILED with the failed leg in the result, one refund, one alert', async () => {
    const pre = await pipeline.process(
      'q',
      job('agent-7', 'pre-oos', 'CHECKOUT_PRECHECK', {
        line_items: [{ variant_id: '1002', quantity: 1 }],
        shipping_address: ADDRESS,
        currency: 'USD',
      }),
    );
    expect(pre.status).toBe('SUCCESS');
    const r = (await ledger.getAction('agent-7', 'pre-oos'))?.result ?? {};
    const kettle = shop.variants.get(1002);
    if (kettle) kettle.inventory = 0;
    const params = {
      session_id: 'sess-42',
      draft_order_id: r.draft_order_id,
      payment_reference: 'pay-pipe-oos',
      total_amount: r.total_amount,
      currency: 'USD',
    };
    const before = alerts.length;

    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'oos-1', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('FAILED');
    const action = await ledger.getAction('agent-checkout-1', 'oos-1');
    expect(action?.error?.code).toBe('ORC_ERR_CONNECTOR_CHECKOUT_FAILED');
    expect(action?.result).toMatchObject({
      leg_status: 'failed',
      session_id: 'sess-42',
      failure: { code: 'OUT_OF_STOCK' },
      refund: { status: 'requested', payment_reference: 'pay-pipe-oos' },
    });
    expect(hook.calls('pay-pipe-oos')).toBe(1);
    const raised = alerts.slice(before);
    expect(raised.map((a) => [a.kind, a.alert.severity, a.actionId])).toEqual([
      ['checkout_failed', 'high', 'oos-1'],
    ]);

    // The job redelivered, and the agent resubmitting: no second refund, no second alert.
    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'oos-1', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('DUPLICATE');
    expect(
      (await pipeline.process('q', job('agent-checkout-1', 'oos-2', 'CHECKOUT_COMPLETE', params))).status,
    ).toBe('FAILED');
    expect((await ledger.getAction('agent-checkout-1', 'oos-2'))?.result).toMatchObject({
      refund: { status: 'requested', sent_now: false },
    });
    expect(hook.calls('pay-pipe-oos')).toBe(1);
    expect(alerts.slice(before)).toHaveLength(1);
    if (kettle) kettle.inventory = 20;
  });

  it('a stated total that does not match fails the precheck with a clear error', async () => {
    const status = await pipeline.process(
      'q',
      job('agent-7', 'pre-mm', 'CHECKOUT_PRECHECK', {
        line_items: [{ variant_id: '1001', quantity: 1 }],
        shipping_address: ADDRESS,
        currency: 'USD',
        total_amount: 10,
      }),
    );
    expect(status.status).toBe('FAILED');
    const a = await ledger.getAction('agent-7', 'pre-mm');
    expect(a?.error?.code).toBe('ORC_ERR_CONNECTOR_TOTAL_MISMATCH');
    expect(a?.error?.message).toMatch(/params\.total_amount 10 does not match the computed total 18\.53 USD/);
  });

  it('never writes the token or the webhook secret to logs, errors or the ledger', async () => {
    const text = logs.join('');
    expect(text).toContain('ALERT high');
    expect(text).toContain('shopifyAdminToken');
    for (const secret of [TOKEN, SECRET]) {
      expect(text).not.toContain(secret);
      for (const id of ['pre-1', 'done-1', 'oos-1', 'pre-mm']) {
        const agent = id.startsWith('pre') ? 'agent-7' : 'agent-checkout-1';
        expect(JSON.stringify(await ledger.getAction(agent, id))).not.toContain(secret);
        expect(JSON.stringify(await ledger.events(agent, id))).not.toContain(secret);
      }
    }
  });
});

describe('checkout configuration', () => {
  it('pairs the shop with its token, the webhook with its secret, and never echoes them', () => {
    const fails = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    expect(fails({ SHOPIFY_SHOP_DOMAIN: 'demo.myshopify.com' })).toContain('SHOPIFY_ADMIN_TOKEN');
    expect(fails({ SHOPIFY_ADMIN_TOKEN: TOKEN })).toContain('SHOPIFY_SHOP_DOMAIN');
    expect(
      fails({ SHOPIFY_SHOP_DOMAIN: 'https://demo.myshopify.com/', SHOPIFY_ADMIN_TOKEN: TOKEN }),
    ).toContain('SHOPIFY_SHOP_DOMAIN');
    expect(fails({ SHOPIFY_API_VERSION: '2026-11' })).toContain('SHOPIFY_API_VERSION');
    expect(fails({ PAYMENT_REFUND_WEBHOOK_URL: 'https://pay.example.com/refund' })).toContain(
      'PAYMENT_REFUND_WEBHOOK_SECRET',
    );
    const bad = fails({
      PAYMENT_REFUND_WEBHOOK_URL: 'http://pay.example.com/refund',
      PAYMENT_REFUND_WEBHOOK_SECRET: 'short',
    });
    expect(bad).toContain('PAYMENT_REFUND_WEBHOOK_URL');
    expect(bad).not.toContain('pay.example.com');
    expect(bad).not.toContain('short');
    const ok = loadConfig({ SHOPIFY_SHOP_DOMAIN: 'Demo.MyShopify.com', SHOPIFY_ADMIN_TOKEN: TOKEN });
    expect(ok).toMatchObject({
      shopifyShopDomain: 'demo.myshopify.com',
      shopifyApiVersion: '2026-10',
      shopifyTimeoutMs: 10_000,
    });
    expect(JSON.stringify(configSummary(ok))).not.toContain(TOKEN);
  });
});
