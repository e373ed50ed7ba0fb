/**
 * A local Shopify GraphQL Admin API stand-in: a real HTTP server on 127.0.0.1 that parses,
 * validates and executes GraphQL (graphql-js) against a small schema written after Shopify's
 * (`draftOrderCalculate`, `draftOrderCreate`, `draftOrderComplete`, `draftOrder`), over an
 * in-memory catalogue with inventory, tax by region and shipping rates by country.
 *
 * Like Shopify it checks the API version in the path and the `X-Shopify-Access-Token` header,
 * answers `extensions.cost` on every response from a leaky bucket (maximumAvailable,
 * restoreRate) and refuses a query whose requested cost the bucket cannot hold with a
 * `THROTTLED` error (HTTP 200, `actualQueryCost: null`). Tests script it: drain the bucket,
 * force throttling, put a variant out of stock, fail or slow requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, type DocumentNode, graphql, Kind, parse, visit } from 'graphql';

const SDL = /* GraphQL */ `
  scalar Decimal
  enum CurrencyCode { USD EUR GBP CAD JPY }
  enum CountryCode { US CA GB DE FR }
  enum DraftOrderStatus { OPEN INVOICE_SENT COMPLETED }
  type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }
  type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
  type ShippingRate { handle: String! title: String! price: MoneyV2! }
  type UserError { field: [String!] message: String! }
  type Order { id: ID! name: String! }
  type CalculatedDraftOrder {
    currencyCode: CurrencyCode!
    presentmentCurrencyCode: CurrencyCode!
    availableShippingRates: [ShippingRate!]!
    subtotalPriceSet: MoneyBag!
    totalTaxSet: MoneyBag!
    totalShippingPriceSet: MoneyBag!
    totalPriceSet: MoneyBag!
  }
  type DraftOrder {
    id: ID!
    name: String!
    status: DraftOrderStatus!
    note: String
    tags: [String!]!
    presentmentCurrencyCode: CurrencyCode!
    subtotalPriceSet: MoneyBag!
    totalTaxSet: MoneyBag!
    totalShippingPriceSet: MoneyBag!
    totalPriceSet: MoneyBag!
    order: Order
  }
  type DraftOrderCalculatePayload { calculatedDraftOrder: CalculatedDraftOrder userErrors: [UserError!]! }
  type DraftOrderCreatePayload { draftOrder: DraftOrder userErrors: [UserError!]! }
  type DraftOrderCompletePayload { draftOrder: DraftOrder userErrors: [UserError!]! }
  input MailingAddressInput {
    address1: String address2: String city: String company: String countryCode: CountryCode
    firstName: String lastName: String phone: String provinceCode: String zip: String
  }
  input MoneyInput { amount: Decimal! currencyCode: CurrencyCode! }
  input DraftOrderLineItemInput { variantId: ID quantity: Int! title: String }
  input ShippingLineInput { shippingRateHandle: String title: String priceWithCurrency: MoneyInput }
  input DraftOrderInput {
    lineItems: [DraftOrderLineItemInput!]
    shippingAddress: MailingAddressInput
    shippingLine: ShippingLineInput
    presentmentCurrencyCode: CurrencyCode
    note: String
    tags: [String!]
    email: String
  }
  type Query { draftOrder(id: ID!): DraftOrder }
  type Mutation {
    draftOrderCalculate(input: DraftOrderInput!): DraftOrderCalculatePayload
    draftOrderCreate(input: DraftOrderInput!): DraftOrderCreatePayload
    draftOrderComplete(id: ID!, paymentGatewayId: ID, paymentPending: Boolean, sourceName: String): DraftOrderCompletePayload
  }
`;

const schema = buildSchema(SDL);

/** One product variant of the catalogue. Prices in cents of the shop currency. */
export interface StandInVariant {
  readonly id: number;
  readonly title: string;
  readonly priceCents: number;
  inventory: number;
}

export interface ShopifyStandInOptions {
  /** The access token the stand-in accepts. */
  readonly token: string;
  /** @defaultValue '2026-10' */
  readonly apiVersion?: string;
  /** @defaultValue 'USD' */
  readonly currency?: string;
  /** Bucket size in cost points. @defaultValue 2000 */
  readonly maximumAvailable?: number;
  /** Points restored per second. @defaultValue 100 */
  readonly restoreRate?: number;
  readonly variants?: readonly StandInVariant[];
}

/** Tax rates in basis points by `country` or `country-province`; the most specific wins. */
export const STANDIN_TAX_BPS: Readonly<Record<string, number>> = {
  US: 500,
  'US-TX': 825,
  CA: 1300,
  GB: 2000,
};

/** Shipping rates by country (cents of the shop currency). */
export const STANDIN_SHIPPING: Readonly<
  Record<string, readonly { handle: string; title: string; cents: number }[]>
> = {
  US: [
    { handle: 'shopify-Express-15.00', title: 'Express', cents: 1500 },
    { handle: 'shopify-Standard-5.00', title: 'Standard', cents: 500 },
  ],
  CA: [{ handle: 'shopify-International-20.00', title: 'International', cents: 2000 }],
  GB: [{ handle: 'shopify-International-25.00', title: 'International', cents: 2500 }],
};

export const STANDIN_VARIANTS: readonly StandInVariant[] = [
  { id: 1001, title: 'Ceramic Mug', priceCents: 1250, inventory: 100 },
  { id: 1002, title: 'Pour-over Kettle', priceCents: 4999, inventory: 20 },
  { id: 1003, title: 'Paper Filters (100)', priceCents: 699, inventory: 500 },
];

export interface StandInRequestLog {
  readonly at: number;
  readonly path: string;
  /** Root fields of the operation, e.g. `['draftOrderComplete']`. */
  readonly fields: readonly string[];
  readonly outcome: 'ok' | 'throttled' | 'unauthorized' | 'not-found' | 'injected' | 'invalid';
  readonly requestedCost?: number;
}

interface Draft {
  id: string;
  name: string;
  status: 'OPEN' | 'INVOICE_SENT' | 'COMPLETED';
  tags: string[];
  note: string | null;
  lines: { variant: StandInVariant; quantity: number }[];
  totals: Totals;
  order: { id: string; name: string } | null;
}

interface Totals {
  subtotal: number;
  tax: number;
  shipping: number;
  total: number;
  currency: string;
}

export interface ShopifyStandIn {
  /** `127.0.0.1:<port>`: what `SHOPIFY_SHOP_DOMAIN` is set to. */
  readonly shopDomain: string;
  readonly requests: StandInRequestLog[];
  readonly variants: Map<number, StandInVariant>;
  readonly drafts: Map<string, Draft>;
  /** Successful executions per root field (`draftOrderComplete`, …). */
  count(field: string): number;
  /** Empties the bucket now (the next costly request is throttled until points restore). */
  drain(): void;
  /** Answers the next `n` requests THROTTLED whatever the bucket holds. */
  throttleNext(n: number): void;
  /** Answers the next `n` requests with HTTP `status` before running them. */
  failNext(status: number, n?: number): void;
  /** Delays the next `n` answers by `ms` (after running them). */
  delayNext(ms: number, n?: number): void;
  /** The bucket's points now. */
  available(): number;
  close(): Promise<void>;
}

const cents = (c: number): string => (c / 100).toFixed(2);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Starts the stand-in on 127.0.0.1 and a random port.
 *
 * @example
 * ```ts
 * const shop = await startShopifyStandIn({ token: 'shpat_test_0123456789abcdef' });
 * const bridge = new ShopifyAdminBridge({ shopDomain: shop.shopDomain, accessToken: 'shpat_test_0123456789abcdef' });
 * ```
 */
export async function startShopifyStandIn(options: ShopifyStandInOptions): Promise<ShopifyStandIn> {
  const version = options.apiVersion ?? '2026-10';
  const currency = options.currency ?? 'USD';
  const maximum = options.maximumAvailable ?? 2000;
  const restoreRate = options.restoreRate ?? 100;
  const variants = new Map((options.variants ?? STANDIN_VARIANTS).map((v) => [v.id, { ...v }]));
  const drafts = new Map<string, Draft>();
  const requests: StandInRequestLog[] = [];
  const counts = new Map<string, number>();
  let bucket = maximum;
  let bucketAt = Date.now();
  let throttle = 0;
  let fail: { status: number; n: number } | undefined;
  let delay: { ms: number; n: number } | undefined;
  let nextDraft = 1;
  let nextOrder = 1;

  const level = (): number => {
    const now = Date.now();
    bucket = Math.min(maximum, bucket + (restoreRate * (now - bucketAt)) / 1000);
    bucketAt = now;
    return bucket;
  };
  const costBlock = (requested: number, actual: number | null) => ({
    cost: {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: { maximumAvailable: maximum, currentlyAvailable: Math.floor(level()), restoreRate },
    },
  });

  function price(input: Record<string, unknown>): {
    totals?: Totals;
    rates: ShippingRateOut[];
    errors: UserErrorOut[];
    lines: Draft['lines'];
  } {
    const errors: UserErrorOut[] = [];
    const lines: Draft['lines'] = [];
    const items = Array.isArray(input.lineItems) ? input.lineItems : [];
    items.forEach((raw: unknown, i) => {
      const it = isRecord(raw) ? raw : {};
      const m =
        typeof it.variantId === 'string'
          ? /^gid:\/\/shopify\/ProductVariant\/(\d+)$/.exec(it.variantId)
          : null;
      const variant = m ? variants.get(Number(m[1])) : undefined;
      if (!variant)
        errors.push({
          field: ['lineItems', String(i), 'variantId'],
          message: 'Product variant does not exist',
        });
      else if (typeof it.quantity !== 'number' || it.quantity < 1)
        errors.push({
          field: ['lineItems', String(i), 'quantity'],
          message: 'Quantity must be greater than 0',
        });
      else lines.push({ variant, quantity: it.quantity });
    });
    if (lines.length === 0 && errors.length === 0)
      errors.push({ field: ['lineItems'], message: 'Line items are required' });
    const address = isRecord(input.shippingAddress) ? input.shippingAddress : {};
    const country = typeof address.countryCode === 'string' ? address.countryCode : '';
    const province = typeof address.provinceCode === 'string' ? address.provinceCode : '';
    const available = (STANDIN_SHIPPING[country] ?? []).map((r) => ({
      handle: r.handle,
      title: r.title,
      price: { amount: cents(r.cents), currencyCode: currency },
      cents: r.cents,
    }));
    const rates = lines.length > 0 ? available : [];
    let shipping = 0;
    const line = isRecord(input.shippingLine) ? input.shippingLine : undefined;
    if (line && typeof line.shippingRateHandle === 'string') {
      const rate = rates.find((r) => r.handle === line.shippingRateHandle);
      if (!rate)
        errors.push({
          field: ['shippingLine', 'shippingRateHandle'],
          message: 'Shipping rate is not available',
        });
      else shipping = rate.cents;
    } else if (line && isRecord(line.priceWithCurrency)) {
      shipping = Math.round(Number(line.priceWithCurrency.amount) * 100);
    }
    if (errors.length > 0) return { rates: [], errors, lines };
    const subtotal = lines.reduce((s, l) => s + l.variant.priceCents * l.quantity, 0);
    const bps = STANDIN_TAX_BPS[`${country}-${province}`] ?? STANDIN_TAX_BPS[country] ?? 0;
    // Half-up to the cent, as a till would.
    const tax = Math.floor((subtotal * bps + 5_000) / 10_000);
    return {
      totals: { subtotal, tax, shipping, total: subtotal + tax + shipping, currency },
      rates: rates.map(({ cents: _c, ...r }) => r),
      errors,
      lines,
    };
  }

  const bag = (c: number) => ({
    shopMoney: { amount: cents(c), currencyCode: currency },
    presentmentMoney: { amount: cents(c), currencyCode: currency },
  });
  const totalsOut = (t: Totals) => ({
    currencyCode: t.currency,
    presentmentCurrencyCode: t.currency,
    subtotalPriceSet: bag(t.subtotal),
    totalTaxSet: bag(t.tax),
    totalShippingPriceSet: bag(t.shipping),
    totalPriceSet: bag(t.total),
  });
  const draftOut = (d: Draft) => ({
    id: d.id,
    name: d.name,
    status: d.status,
    tags: d.tags,
    note: d.note,
    order: d.order,
    ...totalsOut(d.totals),
  });
  const counted = (field: string): void => {
    counts.set(field, (counts.get(field) ?? 0) + 1);
  };

  const root = {
    draftOrder: ({ id }: { id: string }) => {
      counted('draftOrder');
      const d = drafts.get(id);
      return d ? draftOut(d) : null;
    },
    draftOrderCalculate: ({ input }: { input: Record<string, unknown> }) => {
      counted('draftOrderCalculate');
      const p = price(input);
      if (!p.totals) return { calculatedDraftOrder: null, userErrors: p.errors };
      return {
        calculatedDraftOrder: { ...totalsOut(p.totals), availableShippingRates: p.rates },
        userErrors: [],
      };
    },
    draftOrderCreate: ({ input }: { input: Record<string, unknown> }) => {
      counted('draftOrderCreate');
      const p = price(input);
      if (!p.totals) return { draftOrder: null, userErrors: p.errors };
      const n = nextDraft++;
      const d: Draft = {
        id: `gid://shopify/DraftOrder/${9_000 + n}`,
        name: `#D${n}`,
        status: 'OPEN',
        tags: Array.isArray(input.tags) ? (input.tags as string[]) : [],
        note: typeof input.note === 'string' ? input.note : null,
        lines: p.lines,
        totals: p.totals,
        order: null,
      };
      drafts.set(d.id, d);
      return { draftOrder: draftOut(d), userErrors: [] };
    },
    draftOrderComplete: ({ id }: { id: string }) => {
      counted('draftOrderComplete');
      const d = drafts.get(id);
      if (!d)
        return { draftOrder: null, userErrors: [{ field: ['id'], message: 'Draft order does not exist' }] };
      if (d.status === 'COMPLETED')
        return {
          draftOrder: null,
          userErrors: [{ field: ['id'], message: 'Draft order has already been completed' }],
        };
      const short = d.lines.filter((l) => l.variant.inventory < l.quantity);
      if (short.length > 0) {
        return {
          draftOrder: null,
          userErrors: short.map((l) => ({ field: null, message: `${l.variant.title} is out of stock` })),
        };
      }
      for (const l of d.lines) l.variant.inventory -= l.quantity;
      const n = nextOrder++;
      d.status = 'COMPLETED';
      d.order = { id: `gid://shopify/Order/${5_000 + n}`, name: `#${1000 + n}` };
      return { draftOrder: draftOut(d), userErrors: [] };
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(text);
    };
    const log = (entry: Omit<StandInRequestLog, 'at' | 'path'>): void => {
      requests.push({ at: Date.now(), path, ...entry });
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || path !== `/admin/api/${version}/graphql.json`) {
      log({ fields: [], outcome: 'not-found' });
      return send(404, { errors: 'Not Found' });
    }
    if (req.headers['x-shopify-access-token'] !== options.token) {
      log({ fields: [], outcome: 'unauthorized' });
      return send(401, {
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    if (fail && fail.n > 0) {
      fail.n--;
      log({ fields: [], outcome: 'injected' });
      return send(fail.status, { errors: 'Internal error' });
    }
    let body: { query?: unknown; variables?: unknown };
    let doc: DocumentNode;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      doc = parse(String(body.query ?? ''));
    } catch (err) {
      log({ fields: [], outcome: 'invalid' });
      return send(200, {
        errors: [{ message: (err as Error).message, extensions: { code: 'PARSE_ERROR' } }],
      });
    }
    const { fields, requested } = costOf(doc);
    if (throttle > 0 || level() < requested) {
      if (throttle > 0) throttle--;
      log({ fields, outcome: 'throttled', requestedCost: requested });
      return send(200, {
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: costBlock(requested, null),
      });
    }
    bucket -= requested;
    const result = await graphql({
      schema,
      source: String(body.query),
      rootValue: root,
      variableValues: isRecord(body.variables) ? body.variables : {},
    });
    // Shopify refunds the difference between the requested and the actual cost.
    const actual = Math.max(1, Math.ceil(requested * 0.6));
    bucket = Math.min(maximum, bucket + (requested - actual));
    log({ fields, outcome: result.errors ? 'invalid' : 'ok', requestedCost: requested });
    const out: Record<string, unknown> = {
      ...(result.errors
        ? {
            errors: result.errors.map((e) => ({
              message: e.message,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
            })),
          }
        : {}),
      ...(result.data ? { data: result.data } : {}),
      extensions: costBlock(requested, actual),
    };
    if (delay && delay.n > 0) {
      delay.n--;
      await new Promise((r) => setTimeout(r, delay?.ms ?? 0));
    }
    send(200, out);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500).end(String((err as Error).message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    shopDomain: `127.0.0.1:${port}`,
    requests,
    variants,
    drafts,
    count: (field) => counts.get(field) ?? 0,
    drain: () => {
      level();
      bucket = 0;
    },
    throttleNext: (n) => {
      throttle = n;
    },
    failNext: (status, n = 1) => {
      fail = { status, n };
    },
    delayNext: (ms, n = 1) => {
      delay = { ms, n };
    },
    available: () => level(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface UserErrorOut {
  field: string[] | null;
  message: string;
}
interface ShippingRateOut {
  handle: string;
  title: string;
  price: { amount: string; currencyCode: string };
}

/**
 * A cost in the spirit of Shopify's calculated query cost: each selected object field costs 1,
 * scalars cost 0, a mutation root field costs 10.
 */
function costOf(doc: DocumentNode): { fields: string[]; requested: number } {
  const fields: string[] = [];
  let requested = 0;
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const sel of def.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      fields.push(sel.name.value);
      requested += def.operation === 'mutation' ? 10 : 1;
      visit(sel.selectionSet ?? { kind: Kind.SELECTION_SET, selections: [] }, {
        Field(node) {
          if (node.selectionSet) requested += 1;
        },
      });
    }
  }
  return { fields, requested: Math.max(1, requested) };
}
