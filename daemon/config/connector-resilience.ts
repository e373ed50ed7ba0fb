/**
 * `CONNECTOR_RESILIENCE`: per-connector resilience settings as one JSON object keyed by connector
 * name (`apps-script`, `shopify-admin`, `payment-webhook`, `shopify-mcp`, and one discovery partner
 * as `shopify-mcp:<slug>`, which overrides `shopify-mcp` field by field), each overriding the layer's defaults
 * (`bridges/resilience/options.ts`, `RESILIENCE_DEFAULTS`). One variable rather than five per
 * connector: connectors come and go, and the schema below still names every bad field.
 *
 * @example
 * ```sh
 * CONNECTOR_RESILIENCE='{"apps-script":{"rateLimit":{"limit":5,"periodMs":1000,"burst":5},"bulkhead":{"concurrency":8}}}'
 * ```
 */
import { z } from 'zod';

const posInt = (max: number) => z.number().int().min(1).max(max);

/** One connector's settings (all optional; absent ones take the layer's defaults). */
export const ConnectorResilienceSchema = z.strictObject({
  timeoutMs: posInt(300_000).optional(),
  retry: z
    .strictObject({
      attempts: posInt(10).optional(),
      baseMs: posInt(60_000).optional(),
      maxDelayMs: posInt(600_000).optional(),
    })
    .optional(),
  breaker: z
    .strictObject({
      kind: z.enum(['consecutive', 'sampling']).optional(),
      consecutiveFailures: posInt(1_000).optional(),
      threshold: z.number().gt(0).lt(1).optional(),
      samplingMs: posInt(3_600_000).optional(),
      minimumRps: z.number().positive().optional(),
      halfOpenAfterMs: posInt(3_600_000).optional(),
    })
    .optional(),
  /** Shared across replicas through REDIS_URL. Absent: no rate limit. */
  rateLimit: z
    .strictObject({
      limit: posInt(1_000_000),
      periodMs: posInt(86_400_000).optional(),
      burst: posInt(1_000_000).optional(),
      maxWaitMs: z.number().int().min(0).max(600_000).optional(),
    })
    .optional(),
  bulkhead: z
    .strictObject({
      concurrency: posInt(10_000).optional(),
      queue: z.number().int().min(0).max(1_000_000).optional(),
    })
    .optional(),
});

export type ConnectorResilienceConfig = z.output<typeof ConnectorResilienceSchema>;

/** A connector, or one partner of a fan-out connector: `shopify-mcp:<partner slug>`. */
const CONNECTOR_NAME = /^[a-z][a-z0-9-]{0,63}(:[a-z0-9][a-z0-9_-]{0,63})?$/;

/**
 * The variable's parser: a JSON object of connector name → settings.
 *
 * @example
 * ```ts
 * connectorResilience().parse('{"apps-script":{"timeoutMs":5000}}'); // → { 'apps-script': { timeoutMs: 5000 } }
 * ```
 */
export function connectorResilience() {
  return z.string().transform((s, ctx) => {
    let raw: unknown;
    try {
      raw = JSON.parse(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of connector name → settings' });
      return z.NEVER;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of connector name → settings' });
      return z.NEVER;
    }
    const out: Record<string, ConnectorResilienceConfig> = {};
    for (const [name, value] of Object.entries(raw)) {
      if (!CONNECTOR_NAME.test(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `connector name ${JSON.stringify(name.slice(0, 64))} must be lower-case letters, digits and "-" (a partner as <connector>:<slug>)`,
        });
        continue;
      }
      const r = ConnectorResilienceSchema.safeParse(value);
      if (!r.success) {
        for (const issue of r.error.issues) {
          ctx.addIssue({
            code: 'custom',
            message: `${[name, ...issue.path.map(String)].join('.')}: ${issue.message}`,
          });
        }
        continue;
      }
      out[name] = r.data;
    }
    return out;
  });
}
