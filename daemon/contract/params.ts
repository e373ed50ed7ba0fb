/**
 * The `params` of each command type: exactly the fields its connector needs, nothing more
 * (unknown keys are rejected). `total_amount` and `limit` are the parameters the shipped policy
 * escalates on (policies/data.json), so their types are fixed here: a string amount would make
 * the policy fail closed rather than compare.
 */
import { z } from 'zod';
import { Amount, CountryCode, CurrencyCode, Id, intIn, list, Slug, text } from './fields.ts';

/** Limits the params schemas take from the configuration. */
export interface ParamLimits {
  /** Longest string accepted where a field states no limit of its own. */
  readonly maxStringLength: number;
}

export const SESSION_LEG_STATUSES = ['pending', 'ready', 'in_customization', 'committed', 'failed'] as const;

/**
 * Builds the params schema of every command type.
 *
 * @example
 * ```ts
 * const params = buildParamsSchemas({ maxStringLength: 2048 });
 * params.CHECK_INTEGRATION_STATUS.parse({ service: 'google_drive' });
 * ```
 */
export function buildParamsSchemas(limits: ParamLimits) {
  const str = (min = 0) => text(limits.maxStringLength, min);

  const service = z.strictObject({ service: Slug });

  const shippingAddress = z.strictObject({
    name: str().optional(),
    address1: str(1),
    address2: str().optional(),
    city: str(1),
    province_code: str().optional(),
    country_code: CountryCode,
    zip: str(1),
  });

  return {
    CHECK_INTEGRATION_STATUS: service,
    REFRESH_TOKEN: service,
    CONNECT_INTEGRATION: z.strictObject({
      service: Slug,
      scopes: list(text(200, 1), 50).optional(),
    }),
    DISCOVER_PRODUCTS: z.strictObject({
      query: text(256, 1),
      limit: intIn(1, 1000).optional(),
      partners: list(Slug, 50).optional(),
    }),
    CHECKOUT_PRECHECK: z.strictObject({
      session_id: Id.optional(),
      line_items: list(
        z.strictObject({
          variant_id: text(128, 1),
          quantity: intIn(1, 1000),
        }),
        100,
        1,
      ),
      shipping_address: shippingAddress,
      currency: CurrencyCode,
      total_amount: Amount.optional(),
    }),
    CHECKOUT_COMPLETE: z.strictObject({
      session_id: Id.optional(),
      // The session leg this purchase is for: it becomes `failed` if completion fails.
      leg_id: Id.optional(),
      draft_order_id: text(128, 1),
      payment_reference: text(128, 1),
      total_amount: Amount,
      currency: CurrencyCode,
    }),
    UPDATE_SESSION_LEG: z.strictObject({
      session_id: Id,
      leg_id: Id,
      status: z.enum(SESSION_LEG_STATUSES, {
        error: `must be one of ${SESSION_LEG_STATUSES.join(', ')}`,
      }),
      reason: text(500).optional(),
    }),
  } as const;
}
