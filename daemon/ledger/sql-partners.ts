/**
 * SQL for product discovery (migration 20261121120000): curated Shopify partners, masked product
 * id mappings, and the progress records of running actions. Kept apart from `sql.ts`: none of it
 * is on the per-command hot path of the pipeline, so these are plain statements, not batched.
 */
import type { ActionProgress, CuratedPartner, ProductIdMapping } from '../core/types.ts';
import { toIso } from './sql.ts';

export interface PartnerRow {
  slug: string;
  shop_url: string;
  mcp_endpoint: string;
  capabilities: unknown;
  // numeric: pg returns a string; PGlite may return a number.
  price_premium_percent: string | number;
  enabled: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  inserted?: boolean;
}

export interface MappingRow {
  masked_id: string;
  partner_slug: string;
  original_id: string;
}

export interface ProgressRow {
  id: string | number;
  kind: string;
  payload: Record<string, unknown>;
  at: Date | string;
}

const PARTNER_COLUMNS =
  'slug, shop_url, mcp_endpoint, capabilities, price_premium_percent, enabled, created_at, updated_at';

export const PARTNER_SQL = {
  /**
   * $1 slug, $2 shop url, $3 endpoint, $4 capabilities json, $5 premium (text), $6 enabled.
   * `xmax = 0` tells a fresh insert from an update (the updated row version has a deleting xid).
   */
  upsert: `insert into shopify_curated_partners
      (slug, shop_url, mcp_endpoint, capabilities, price_premium_percent, enabled)
    values ($1, $2, $3, $4::jsonb, $5::numeric, $6)
    on conflict (slug) do update set
      shop_url = excluded.shop_url,
      mcp_endpoint = excluded.mcp_endpoint,
      capabilities = excluded.capabilities,
      price_premium_percent = excluded.price_premium_percent,
      enabled = excluded.enabled,
      updated_at = now()
    returning ${PARTNER_COLUMNS}, (xmax = 0) as inserted`,
  /** $1 enabled only (boolean). */
  list: `select ${PARTNER_COLUMNS} from shopify_curated_partners
    where not $1::boolean or enabled
    order by slug`,
  /**
   * $1 masked[], $2 partner[], $3 original[]. A masked id is derived from partner and original id,
   * so an existing row already says the same thing: keep it.
   */
  saveMappings: `insert into shopify_product_ids (masked_id, partner_slug, original_id)
    select * from unnest($1::text[], $2::text[], $3::text[])
    on conflict (masked_id) do nothing`,
  resolve: `select masked_id, partner_slug, original_id from shopify_product_ids where masked_id = $1`,
  /** $1 agent, $2 action, $3 kind, $4 payload json. */
  appendProgress: `insert into action_progress (agent_id, action_id, kind, payload)
    values ($1, $2, $3, $4::jsonb) returning id`,
  /** $1 agent, $2 action, $3 after id. */
  progressSince: `select id, kind, payload, at from action_progress
    where agent_id = $1 and action_id = $2 and id > $3
    order by id`,
} as const;

/**
 * A numeric as a decimal string with two places, without going through a float's rounding.
 *
 * @example
 * ```ts
 * premiumText('12.5'); // → '12.50'
 * premiumText(7);      // → '7.00'
 * ```
 */
export function premiumText(v: string | number): string {
  const s = typeof v === 'number' ? String(v) : v.trim();
  const m = /^(\d+)(?:\.(\d*))?$/.exec(s);
  if (!m) return s;
  return `${m[1]}.${(m[2] ?? '').padEnd(2, '0').slice(0, 2)}`;
}

export function toPartner(r: PartnerRow): CuratedPartner {
  return {
    slug: r.slug,
    shopUrl: r.shop_url,
    mcpEndpoint: r.mcp_endpoint,
    capabilities: Array.isArray(r.capabilities)
      ? r.capabilities.filter((c): c is string => typeof c === 'string')
      : [],
    pricePremiumPercent: premiumText(r.price_premium_percent),
    enabled: r.enabled,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

export function toMapping(r: MappingRow): ProductIdMapping {
  return { maskedId: r.masked_id, partnerSlug: r.partner_slug, originalId: r.original_id };
}

export function toProgress(r: ProgressRow): ActionProgress {
  return { id: Number(r.id), kind: r.kind, payload: r.payload, at: toIso(r.at) };
}
