/**
 * `PUT /v1/admin/partners/:slug`, `GET /v1/admin/partners` and `GET /v1/admin/products/:id`:
 * admins curate the Shopify partners DISCOVER_PRODUCTS searches, and resolve a masked product id
 * to the partner's own id.
 *
 * The body is validated with zod (one schema, also rendered into the OpenAPI document), so a bad
 * field is refused with `ORC_ERR_API_INVALID_REQUEST` and one issue per field, e.g.
 * `{path: 'body.mcp_endpoint', code: 'custom', message: 'must be an http:// or https:// URL'}`.
 *
 * @example
 * ```ts
 * app.register(partnerRoutes, { partners: ledger });
 * // PUT /v1/admin/partners/alpine {"shop_url":"https://alpine.myshopify.com","mcp_endpoint":"https://alpine.myshopify.com/api/mcp","price_premium_percent":12.5}
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toContractIssues } from '../contract/issues.ts';
import type { CuratedPartner, PartnerStore } from '../core/types.ts';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { bearer, commonErrors } from './openapi.ts';

export interface PartnerRoutesOptions {
  readonly partners: PartnerStore;
}

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const httpUrl = z
  .string()
  .max(2_048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL without credentials');

/** The body of `PUT /v1/admin/partners/:slug`. */
export const PartnerBodySchema = z.strictObject({
  shop_url: httpUrl,
  mcp_endpoint: httpUrl,
  capabilities: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be a lowercase capability name'))
    .max(50)
    .default([]),
  price_premium_percent: z
    .number()
    .min(0, 'must be at least 0')
    .max(100, 'must be at most 100')
    .refine((n) => /^\d{1,3}(\.\d{1,2})?$/.test(String(n)), 'must have at most two decimal places')
    .default(0),
  enabled: z.boolean().default(true),
});

const paramsSchema = z.strictObject({
  slug: z
    .string()
    .regex(
      SLUG,
      'must be a lowercase slug: 1 to 64 characters of a-z, 0-9, "_" or "-", starting with a letter or digit',
    ),
});

const partnerJson = {
  type: 'object',
  properties: {
    slug: { type: 'string' },
    shop_url: { type: 'string' },
    mcp_endpoint: { type: 'string' },
    capabilities: { type: 'array', items: { type: 'string' } },
    price_premium_percent: { type: 'string', description: 'Decimal with two places, e.g. "12.50".' },
    enabled: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

/** A partner as the API shows it (snake_case, like the rest of the API). */
export function partnerView(p: CuratedPartner): Record<string, unknown> {
  return {
    slug: p.slug,
    shop_url: p.shopUrl,
    mcp_endpoint: p.mcpEndpoint,
    capabilities: p.capabilities,
    price_premium_percent: p.pricePremiumPercent,
    enabled: p.enabled,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, part: 'body' | 'path'): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = toContractIssues(r.error.issues, []).map((i) => ({
    ...i,
    path: i.path === '' ? part : `${part}.${i.path}`,
  }));
  const first = issues[0];
  throw new OrchestratorError(ApiErrors.INVALID_REQUEST, {
    summary: first
      ? `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
      : 'invalid',
    details: { issues },
  });
}

// zod, not Ajv, validates these routes: the same schema gives the field-level messages and the
// OpenAPI body, so the two cannot disagree.
const passThrough = () => (data: unknown) => ({ value: data });

export async function partnerRoutes(app: FastifyInstance, opts: PartnerRoutesOptions): Promise<void> {
  const { partners } = opts;

  app.put<{ Params: { slug: string }; Body: unknown }>(
    '/v1/admin/partners/:slug',
    {
      config: { roles: ['admin'] },
      validatorCompiler: passThrough,
      schema: {
        tags: ['admin'],
        summary: 'Create or replace a curated Shopify partner searched by DISCOVER_PRODUCTS',
        security: bearer,
        params: z.toJSONSchema(paramsSchema),
        body: z.toJSONSchema(PartnerBodySchema, { io: 'input' }),
        response: { 200: partnerJson, 201: partnerJson, ...commonErrors },
      },
    },
    async (req, reply) => {
      const { slug } = parse(paramsSchema, req.params, 'path');
      const body = parse(PartnerBodySchema, req.body, 'body');
      const { created, partner } = await partners.upsertPartner({
        slug,
        shopUrl: new URL(body.shop_url).href,
        mcpEndpoint: new URL(body.mcp_endpoint).href,
        capabilities: [...new Set(body.capabilities)],
        pricePremiumPercent: String(body.price_premium_percent),
        enabled: body.enabled,
      });
      return reply.code(created ? 201 : 200).send(partnerView(partner));
    },
  );

  app.get(
    '/v1/admin/partners',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: 'Every curated partner, enabled or not, by slug',
        security: bearer,
        response: {
          200: { type: 'object', properties: { partners: { type: 'array', items: partnerJson } } },
          ...commonErrors,
        },
      },
    },
    async () => ({ partners: (await partners.listPartners()).map(partnerView) }),
  );

  app.get<{ Params: { masked_id: string } }>(
    '/v1/admin/products/:masked_id',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['admin'],
        summary: "What a masked product id (uso_…) stands for: the partner and the partner's own id",
        security: bearer,
        params: {
          type: 'object',
          required: ['masked_id'],
          properties: { masked_id: { type: 'string', pattern: '^uso_[A-Za-z0-9_-]+$', maxLength: 512 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              masked_id: { type: 'string' },
              partner_slug: { type: 'string' },
              original_id: { type: 'string' },
            },
          },
          ...commonErrors,
          404: { $ref: 'Error#' },
        },
      },
    },
    async (req) => {
      const m = await partners.resolveProductId(req.params.masked_id);
      if (!m) throw new OrchestratorError(ApiErrors.PRODUCT_NOT_FOUND, { maskedId: req.params.masked_id });
      return { masked_id: m.maskedId, partner_slug: m.partnerSlug, original_id: m.originalId };
    },
  );
}
