/**
 * The Shopify side of checkout: the GraphQL documents the connector sends, the mapping of the
 * command contract's shapes onto Shopify's inputs (`DraftOrderInput`, `MailingAddressInput`)
 * and the reading of Shopify's answers back into plain totals.
 */
import { ConnectorError, type ConnectorErrorCode } from '../bridges/errors.ts';
import type { ShopifyUserError } from '../bridges/shopify-admin/protocol.ts';
import { normaliseAmount, toMicros } from './money.ts';

const MONEY = 'presentmentMoney { amount currencyCode }';
const TOTALS = `presentmentCurrencyCode
      subtotalPriceSet { ${MONEY} }
      totalTaxSet { ${MONEY} }
      totalShippingPriceSet { ${MONEY} }
      totalPriceSet { ${MONEY} }`;

export const CALCULATE = `mutation DraftOrderCalculate($input: DraftOrderInput!) {
  draftOrderCalculate(input: $input) {
    calculatedDraftOrder {
      ${TOTALS}
      availableShippingRates { handle title price { amount currencyCode } }
    }
    userErrors { field message }
  }
}`;

export const CREATE = `mutation DraftOrderCreate($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder {
      id
      name
      status
      ${TOTALS}
    }
    userErrors { field message }
  }
}`;

export const STATUS = `query DraftOrderStatus($id: ID!) {
  draftOrder(id: $id) {
    id
    status
    totalPriceSet { ${MONEY} }
    order { id name }
  }
}`;

// paymentPending is left out: it defaults to false (the order is marked as paid) and is
// deprecated since 2025-10.
export const COMPLETE = `mutation DraftOrderComplete($id: ID!) {
  draftOrderComplete(id: $id) {
    draftOrder { id status order { id name } }
    userErrors { field message }
  }
}`;

/** Totals in the presentment currency, as normalised decimal strings. */
export interface CheckoutTotals {
  readonly subtotal: string;
  readonly tax: string;
  readonly shipping: string;
  readonly total: string;
  readonly currency: string;
}

export interface ShippingRate {
  readonly handle: string;
  readonly title: string;
  readonly amount: string;
  readonly currency: string;
}

/** The contract's standardized shipping object (`params.shipping_address`). */
export interface ContractAddress {
  readonly name?: string;
  readonly address1: string;
  readonly address2?: string;
  readonly city: string;
  readonly province_code?: string;
  readonly country_code: string;
  readonly zip: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fails with BAD_RESPONSE: Shopify answered something that is not what the schema promises. */
export function badResponse(what: string): ConnectorError {
  return new ConnectorError({
    connector: 'checkout',
    code: 'BAD_RESPONSE',
    message: `Shopify's answer lacks ${what}`,
    status: 200,
  });
}

/** Fails with `code` naming the field and the reason, as the contract's own errors do. */
export function invalid(
  field: string,
  reason: string,
  code: ConnectorErrorCode = 'INVALID_REQUEST',
): ConnectorError {
  return new ConnectorError({ connector: 'checkout', code, message: `${field} ${reason}` });
}

/**
 * The contract's address as Shopify's `MailingAddressInput`. `name` is split at its last space
 * into first and last name (one word is the last name, which Shopify shows on labels).
 *
 * @example
 * ```ts
 * toMailingAddress({ name: 'Ada Lovelace', address1: '1 Main St', city: 'Austin', province_code: 'TX', country_code: 'US', zip: '78701' });
 * // → { firstName: 'Ada', lastName: 'Lovelace', address1: '1 Main St', city: 'Austin', provinceCode: 'TX', countryCode: 'US', zip: '78701' }
 * ```
 */
export function toMailingAddress(a: ContractAddress): Record<string, string> {
  const out: Record<string, string> = {};
  const name = a.name?.trim();
  if (name) {
    const cut = name.lastIndexOf(' ');
    if (cut > 0) {
      out.firstName = name.slice(0, cut).trim();
      out.lastName = name.slice(cut + 1);
    } else {
      out.lastName = name;
    }
  }
  out.address1 = a.address1;
  if (a.address2) out.address2 = a.address2;
  out.city = a.city;
  if (a.province_code) out.provinceCode = a.province_code;
  out.countryCode = a.country_code;
  out.zip = a.zip;
  return out;
}

/**
 * A variant id as Shopify's global id: `gid://shopify/ProductVariant/<n>` or the bare number.
 *
 * @example
 * ```ts
 * variantGid('44012345678', 'params.line_items[0].variant_id'); // → 'gid://shopify/ProductVariant/44012345678'
 * ```
 * @throws ConnectorError INVALID_REQUEST naming `field`.
 */
export function variantGid(id: string, field: string): string {
  return gid(id, 'ProductVariant', field);
}

/** A draft order id as Shopify's global id (`gid://shopify/DraftOrder/<n>` or the number). */
export function draftOrderGid(id: string, field: string): string {
  return gid(id, 'DraftOrder', field);
}

function gid(id: string, type: string, field: string): string {
  const t = id.trim();
  if (/^\d{1,20}$/.test(t)) return `gid://shopify/${type}/${t}`;
  if (new RegExp(`^gid://shopify/${type}/\\d{1,20}$`).test(t)) return t;
  throw invalid(field, `must be a Shopify ${type} id: gid://shopify/${type}/<number> or the number alone`);
}

function money(bag: unknown, what: string): { amount: string; currency: string } {
  const m = isRecord(bag) ? bag.presentmentMoney : undefined;
  if (!isRecord(m) || typeof m.amount !== 'string' || typeof m.currencyCode !== 'string')
    throw badResponse(what);
  const amount = normaliseAmount(m.amount);
  if (amount === undefined) throw badResponse(`a decimal ${what}`);
  return { amount, currency: m.currencyCode };
}

/**
 * Reads subtotal, tax, shipping and total of a calculated or created draft order. All four must
 * be in one currency: a mixed answer is not something to charge on.
 *
 * @throws ConnectorError BAD_RESPONSE when a field is missing or currencies differ.
 */
export function totalsOf(node: unknown): CheckoutTotals {
  if (!isRecord(node)) throw badResponse('the draft order');
  const subtotal = money(node.subtotalPriceSet, 'subtotalPriceSet');
  const tax = money(node.totalTaxSet, 'totalTaxSet');
  const shipping = money(node.totalShippingPriceSet, 'totalShippingPriceSet');
  const total = money(node.totalPriceSet, 'totalPriceSet');
  const currencies = new Set([subtotal.currency, tax.currency, shipping.currency, total.currency]);
  if (currencies.size !== 1) throw badResponse('one currency across its totals');
  return {
    subtotal: subtotal.amount,
    tax: tax.amount,
    shipping: shipping.amount,
    total: total.amount,
    currency: total.currency,
  };
}

/** The available shipping rates of a calculated draft order. */
export function ratesOf(node: unknown): ShippingRate[] {
  if (!isRecord(node) || !Array.isArray(node.availableShippingRates))
    throw badResponse('availableShippingRates');
  return node.availableShippingRates.map((r: unknown) => {
    if (!isRecord(r) || typeof r.handle !== 'string' || typeof r.title !== 'string' || !isRecord(r.price)) {
      throw badResponse('a well-formed shipping rate');
    }
    const amount = typeof r.price.amount === 'string' ? normaliseAmount(r.price.amount) : undefined;
    if (amount === undefined || typeof r.price.currencyCode !== 'string')
      throw badResponse('a shipping rate price');
    return { handle: r.handle, title: r.title, amount, currency: r.price.currencyCode };
  });
}

/** The cheapest rate (the first of equals, in Shopify's order), or undefined when there is none. */
export function cheapestRate(rates: readonly ShippingRate[]): ShippingRate | undefined {
  let best: ShippingRate | undefined;
  for (const r of rates) {
    if (best === undefined || (toMicros(r.amount) ?? 0n) < (toMicros(best.amount) ?? 0n)) best = r;
  }
  return best;
}

/**
 * The userErrors of a mutation as one line for people: fields and messages, at most 300
 * characters (Shopify's messages name products and fields, never credentials).
 */
export function describeUserErrors(errors: readonly ShopifyUserError[]): string {
  return errors
    .map((e) => (e.field && e.field.length > 0 ? `${e.field.join('.')}: ${e.message}` : e.message))
    .join('; ')
    .slice(0, 300);
}

/** `payload` of `data[field]`, which must be an object. */
export function payloadOf(data: Record<string, unknown>, field: string): Record<string, unknown> {
  const p = data[field];
  if (!isRecord(p)) throw badResponse(field);
  return p;
}
