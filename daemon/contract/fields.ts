/**
 * Field schemas shared by the command types. Formats live here once so the envelope, every
 * `params` variant and the exported JSON Schema agree on what an id, a service or an amount is.
 * Messages are written for the agent that has to fix the field, not for us.
 */
import { z } from 'zod';
import { ISO_3166_ALPHA2 } from './iso-3166.ts';

/** Agent-chosen ids (`action_id`, `session_id`, `leg_id`): safe in URLs, logs and job ids. */
export const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Services and partners: the lowercase slugs the connectors and the policy data key on. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

// The schemas with an `id` below are singletons: they do not depend on the configured limits,
// and the id makes z.toJSONSchema emit them once under `$defs` with a name, which is what code
// generators for other languages turn into type names. zod refuses a second schema with the
// same id, so they must not become factories.

/** An id: 1–128 characters of `A–Z a–z 0–9 . _ : -`. */
export const Id = z
  .string()
  .regex(ID_PATTERN, 'must be 1 to 128 characters of A-Z, a-z, 0-9, ".", "_", ":" or "-"')
  .meta({
    id: 'Id',
    description:
      'An agent-chosen identifier (action_id, session_id, leg_id): 1 to 128 characters of A-Z a-z 0-9 . _ : -',
  });

/** A lowercase slug such as `google_drive` or `shopify`. */
export const Slug = z
  .string()
  .regex(
    SLUG_PATTERN,
    'must be a lowercase slug: 1 to 64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
  )
  .meta({
    id: 'Slug',
    description: 'A service or partner name: lowercase slug such as google_drive or shopify.',
  });

/** Free text of at most `max` characters; `min` 1 for fields that mean nothing when empty. */
export const text = (max: number, min = 0): z.ZodString => {
  const s = z.string().max(max, `must be at most ${max} characters`);
  return min > 0 ? s.min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`) : s;
};

/** ISO 4217 currency code. */
export const CurrencyCode = z
  .string()
  .regex(CURRENCY_PATTERN, 'must be an ISO 4217 currency code: three capital letters, e.g. USD')
  .meta({ id: 'CurrencyCode', description: 'ISO 4217 currency code, e.g. USD, EUR.' });

/** ISO 3166-1 alpha-2 country code (see iso-3166.ts for why it is a closed list). */
export const CountryCode = z
  .enum(ISO_3166_ALPHA2 as [string, ...string[]], {
    error: 'must be an ISO 3166-1 alpha-2 country code: two capital letters, e.g. US, GB, DE',
  })
  .meta({
    id: 'CountryCode',
    description: 'ISO 3166-1 alpha-2 country code (officially assigned codes only).',
  });

/** A money amount in major units (500 means 500.00), as the policy thresholds read it. */
export const Amount = z.number().min(0, 'must be 0 or more').meta({
  id: 'Amount',
  description:
    'A money amount in major units of the currency (500 means 500.00). Policy thresholds compare it as given.',
});

/** An integer in [min, max]. */
export const intIn = (min: number, max: number): z.ZodNumber =>
  z
    .number()
    .int('must be an integer')
    .min(min, `must be an integer from ${min} to ${max}`)
    .max(max, `must be an integer from ${min} to ${max}`);

/** An array of at most `max` items (at least `min`). */
export const list = <T extends z.ZodType>(item: T, max: number, min = 0) => {
  const a = z.array(item).max(max, `must have at most ${max} items`);
  return min > 0 ? a.min(min, `must have at least ${min} item${min === 1 ? '' : 's'}`) : a;
};

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The agent's declared severity: input to the policy, never authority (it can only raise risk). */
export const SeveritySchema = z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).meta({
  id: 'Severity',
  description:
    "The agent's declared severity. Absent means LOW. The policy takes the higher of this and the risk it computes, so declaring a lower severity never lowers the risk.",
});

export const METADATA_MAX_KEYS = 32;
export const METADATA_MAX_KEY_LENGTH = 128;
export const METADATA_MAX_VALUE_LENGTH = 1_000;

/**
 * Agent metadata (trace ids, task labels): flat, small and inert. Values are scalars only, so
 * nothing nested can hide in it; the policy may read it, connectors never do.
 */
export const Metadata = z
  .record(
    z
      .string()
      .min(1, 'metadata keys must not be empty')
      .max(METADATA_MAX_KEY_LENGTH, `metadata keys must be at most ${METADATA_MAX_KEY_LENGTH} characters`),
    z.union([text(METADATA_MAX_VALUE_LENGTH), z.number(), z.boolean(), z.null()], {
      error: `must be a string (at most ${METADATA_MAX_VALUE_LENGTH} characters), a number, a boolean or null`,
    }),
  )
  .refine((m) => Object.keys(m).length <= METADATA_MAX_KEYS, {
    message: `must have at most ${METADATA_MAX_KEYS} keys`,
  })
  .meta({
    id: 'Metadata',
    description: `Free-form labels for the agent's own use (trace ids, task names): at most ${METADATA_MAX_KEYS} keys, scalar values.`,
    // refine() is invisible to toJSONSchema; state the same bound for agents in other languages.
    maxProperties: METADATA_MAX_KEYS,
  });
