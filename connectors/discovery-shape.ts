/**
 * The one public shape of a discovered product, and the three rules that build it from a
 * partner's `search_shop_catalog` answer: masked ids, premium pricing and an allowlist of fields.
 *
 * The public object is built field by field from the allowlist below, never by copying the
 * partner's object and deleting keys: whatever a partner adds (`experience_tags`, `partner_id`,
 * `internal_notes`, `raw_shopify_variant_ids`, or anything new) has no way out.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Keys partners may send that must never reach a client (checked by the tests). */
export const INTERNAL_PRODUCT_KEYS = [
  'experience_tags',
  'partner_id',
  'internal_notes',
  'raw_shopify_variant_ids',
] as const;

/** A public product. Strict: parsing a payload with any other key fails. */
export const PublicProductSchema = z.strictObject({
  id: z.string().regex(/^uso_[A-Za-z0-9_-]+$/),
  title: z.string(),
  price: z.strictObject({
    amount: z.string().regex(/^\d+(\.\d+)?$/),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  image_url: z.string().nullable(),
  description: z.string(),
  partner: z.string(),
});
export type PublicProduct = z.infer<typeof PublicProductSchema>;

export const PartnerReportSchema = z.strictObject({
  slug: z.string(),
  status: z.enum(['ok', 'failed', 'timeout']),
  count: z.number().int().min(0),
  error: z
    .strictObject({
      connector: z.string(),
      code: z.string(),
      retryable: z.boolean(),
      status: z.number().int().nullable(),
      message: z.string(),
    })
    .optional(),
});
export type PartnerReport = z.infer<typeof PartnerReportSchema>;

/** The DISCOVER_PRODUCTS result. */
export const DiscoveryResultSchema = z.strictObject({
  products: z.array(PublicProductSchema),
  partners: z.array(PartnerReportSchema),
});

const GID = /^gid:\/\/shopify\/[A-Za-z]+\/(\d+)$/;
const CLEAN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The id part of a masked id: the numeric tail of a Shopify GID (`gid://shopify/Product/123` →
 * `123`); an id already made of `[A-Za-z0-9_-]` (at most 128) as is; anything else reduced to
 * those characters (others become `-`, cut at 64) plus `-` and 12 hex digits of its sha256, so
 * two ids that reduce alike still get different masked ids.
 *
 * @example
 * ```ts
 * sanitiseProductId('gid://shopify/Product/8123'); // → '8123'
 * sanitiseProductId('SKU_42');                     // → 'SKU_42'
 * sanitiseProductId('a/b c');                      // → 'a-b-c-<12 hex>'
 * ```
 */
export function sanitiseProductId(original: string): string {
  const gid = GID.exec(original);
  if (gid?.[1]) return gid[1];
  if (CLEAN.test(original)) return original;
  const reduced = original.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
  const digest = createHash('sha256').update(original, 'utf8').digest('hex').slice(0, 12);
  return `${reduced}-${digest}`;
}

/**
 * The id clients see: `uso_{partner_slug}_{sanitised id}`. Opaque: resolve it through the
 * mapping table, never by splitting (slugs may contain `_`).
 *
 * @example
 * ```ts
 * maskProductId('alpine', 'gid://shopify/Product/8123'); // → 'uso_alpine_8123'
 * ```
 */
export function maskProductId(partnerSlug: string, original: string): string {
  return `uso_${partnerSlug}_${sanitiseProductId(original)}`;
}

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,12}))?$/;
const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** Digits after the point in a currency's minor unit (USD 2, JPY 0, KWD 3); undefined if unknown. */
export function minorUnits(currency: string): number | undefined {
  if (!/^[A-Z]{3}$/.test(currency)) return undefined;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return undefined;
  }
}

/**
 * `amount` raised by `premiumPercent`, rounded half up to the currency's minor unit, computed in
 * integers (BigInt) so no binary float ever rounds a price.
 *
 * @example
 * ```ts
 * applyPremium('19.99', '10', 'USD');   // → '21.99'  (21.989 rounds up)
 * applyPremium('100', '12.5', 'USD');   // → '112.50'
 * applyPremium('1500', '7', 'JPY');     // → '1605'
 * ```
 * @returns undefined when the amount, the percent or the currency is not usable.
 */
export function applyPremium(amount: string, premiumPercent: string, currency: string): string | undefined {
  const a = DECIMAL.exec(amount.trim());
  const p = PERCENT.exec(premiumPercent.trim());
  const digits = minorUnits(currency);
  if (!a || !p || digits === undefined) return undefined;
  const aFrac = a[2] ?? '';
  // amount = aInt / 10^aScale; factor = (10000 + pHundredths) / 10000
  const aInt = BigInt(`${a[1]}${aFrac}`);
  const aScale = BigInt(aFrac.length);
  const pHundredths = BigInt(`${p[1]}${(p[2] ?? '').padEnd(2, '0')}`);
  const numerator = aInt * (10_000n + pHundredths) * 10n ** BigInt(digits);
  const denominator = 10n ** aScale * 10_000n;
  const minor = (numerator * 2n + denominator) / (denominator * 2n); // half up (values are >= 0)
  if (digits === 0) return minor.toString();
  const s = minor.toString().padStart(digits + 1, '0');
  return `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** The partner's price: `price_range.min` with its currency, else the first variant's price. */
function basePrice(p: Record<string, unknown>): { amount: string; currency: string } | undefined {
  const range = rec(p.price_range);
  const rangeMin = str(range?.min);
  const rangeCurrency = str(range?.currency);
  if (rangeMin !== undefined && rangeCurrency !== undefined)
    return { amount: rangeMin, currency: rangeCurrency };
  const variants = Array.isArray(p.variants) ? p.variants : [];
  const v = rec(variants[0]);
  const price = str(v?.price);
  const currency = str(v?.currency);
  return price !== undefined && currency !== undefined ? { amount: price, currency } : undefined;
}

function httpUrl(v: unknown): string | null {
  const s = str(v);
  if (s === undefined) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The public product for one raw `search_shop_catalog` product, built from the allowlist only,
 * with the partner's premium applied; undefined (skipped) when it has no id, title or usable price.
 *
 * @example
 * ```ts
 * toPublicProduct({ product_id: 'gid://shopify/Product/1', title: 'Tent', price_range: { min: '100.00', currency: 'USD' },
 *   internal_notes: 'x' }, { slug: 'alpine', pricePremiumPercent: '10.00' });
 * // → { product: { id: 'uso_alpine_1', title: 'Tent', price: { amount: '110.00', currency: 'USD' }, image_url: null,
 * //     description: '', partner: 'alpine' }, originalId: 'gid://shopify/Product/1' }
 * ```
 */
export function toPublicProduct(
  raw: Record<string, unknown>,
  partner: { readonly slug: string; readonly pricePremiumPercent: string },
): { product: PublicProduct; originalId: string } | undefined {
  const originalId = str(raw.product_id) ?? str(raw.id);
  const title = str(raw.title);
  const base = basePrice(raw);
  if (originalId === undefined || originalId.length > 512 || title === undefined || base === undefined) {
    return undefined;
  }
  const currency = base.currency.toUpperCase();
  const amount = applyPremium(base.amount, partner.pricePremiumPercent, currency);
  if (amount === undefined) return undefined;
  return {
    originalId,
    product: {
      id: maskProductId(partner.slug, originalId),
      title,
      price: { amount, currency },
      image_url: httpUrl(raw.image_url),
      description: str(raw.description) ?? '',
      partner: partner.slug,
    },
  };
}
