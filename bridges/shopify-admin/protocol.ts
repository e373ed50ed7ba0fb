/**
 * The Shopify GraphQL Admin API as the bridge sees it: the pinned version, the endpoint, the
 * `extensions.cost` block of every answer, the `THROTTLED` error and mutation `userErrors`.
 *
 * Shapes follow https://shopify.dev/docs/api/admin-graphql (rate limits: calculated query cost,
 * a leaky bucket per app and store that must hold `requestedQueryCost` before a query runs).
 */

/**
 * The Admin API version every request is pinned to. Shopify releases a version each quarter and
 * supports it for twelve months; 2026-10 is the newest stable version at the time of writing
 * (supported until October 2027). Change it here only, after reading the changelog for the
 * draft-order mutations.
 */
export const SHOPIFY_API_VERSION = '2026-10';

/** `YYYY-MM` with a quarterly month, the shape of a stable Shopify API version handle. */
export const API_VERSION_PATTERN = /^20\d\d-(01|04|07|10)$/;

/** A shop host: `name.myshopify.com`, a custom domain, or `127.0.0.1:port` for a local stand-in. */
export const SHOP_DOMAIN_PATTERN =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^(?:localhost|127\.0\.0\.1)(?::\d{1,5})?$/;

/**
 * The GraphQL endpoint of a shop. Loopback hosts (a stand-in on this machine) use http; every
 * other host https, so the access token never travels in clear over a network.
 *
 * @example
 * ```ts
 * graphqlEndpoint('demo.myshopify.com', '2026-10'); // → 'https://demo.myshopify.com/admin/api/2026-10/graphql.json'
 * graphqlEndpoint('127.0.0.1:4010', '2026-10'); // → 'http://127.0.0.1:4010/admin/api/2026-10/graphql.json'
 * ```
 */
export function graphqlEndpoint(shopDomain: string, apiVersion: string): string {
  const host = shopDomain.trim().toLowerCase();
  if (!SHOP_DOMAIN_PATTERN.test(host)) {
    throw new TypeError('shop domain must be a host name such as demo.myshopify.com (no scheme, no path)');
  }
  if (!API_VERSION_PATTERN.test(apiVersion)) {
    throw new TypeError('API version must be a stable version handle such as 2026-10');
  }
  const scheme = /^(?:localhost|127\.0\.0\.1)(?::\d+)?$/.test(host) ? 'http' : 'https';
  return `${scheme}://${host}/admin/api/${apiVersion}/graphql.json`;
}

/** `extensions.cost.throttleStatus`: the app's bucket on this shop after the request. */
export interface ThrottleStatus {
  readonly maximumAvailable: number;
  readonly currentlyAvailable: number;
  /** Points restored per second. */
  readonly restoreRate: number;
}

/** `extensions.cost`. `actualQueryCost` is null when the query did not run (throttled). */
export interface QueryCost {
  readonly requestedQueryCost: number;
  readonly actualQueryCost: number | null;
  readonly throttleStatus: ThrottleStatus;
}

/** One entry of the top-level `errors` array. */
export interface GraphqlError {
  readonly message: string;
  /** `extensions.code`, e.g. `THROTTLED`, `ACCESS_DENIED`, `MAX_COST_EXCEEDED`. */
  readonly code: string | undefined;
}

/** A parsed answer: `data` (possibly null), top-level errors, and the cost when present. */
export interface GraphqlAnswer {
  readonly data: Record<string, unknown> | null;
  readonly errors: readonly GraphqlError[];
  readonly cost: QueryCost | undefined;
}

/** A mutation's `userErrors` entry: the request was understood and refused. */
export interface ShopifyUserError {
  readonly field: readonly string[] | null;
  readonly message: string;
  /** Some payloads carry a code (e.g. `DraftOrderCalculate` does not; newer payloads may). */
  readonly code: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Reads `extensions.cost`; undefined when it is missing or not the documented shape.
 *
 * @example
 * ```ts
 * parseCost({ cost: { requestedQueryCost: 10, actualQueryCost: 6,
 *   throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1994, restoreRate: 100 } } });
 * ```
 */
export function parseCost(extensions: unknown): QueryCost | undefined {
  if (!isRecord(extensions) || !isRecord(extensions.cost)) return undefined;
  const c = extensions.cost;
  const t = c.throttleStatus;
  if (!finite(c.requestedQueryCost) || !isRecord(t)) return undefined;
  if (!finite(t.maximumAvailable) || !finite(t.currentlyAvailable) || !finite(t.restoreRate))
    return undefined;
  if (t.restoreRate <= 0 || t.maximumAvailable <= 0) return undefined;
  return {
    requestedQueryCost: c.requestedQueryCost,
    actualQueryCost: finite(c.actualQueryCost) ? c.actualQueryCost : null,
    throttleStatus: {
      maximumAvailable: t.maximumAvailable,
      currentlyAvailable: t.currentlyAvailable,
      restoreRate: t.restoreRate,
    },
  };
}

/**
 * Parses a GraphQL response body; a string explains why it is not one.
 *
 * @example
 * ```ts
 * const a = parseAnswer('{"data":{"shop":{"name":"Demo"}},"extensions":{}}');
 * if (typeof a !== 'string') a.data; // → { shop: { name: 'Demo' } }
 * ```
 */
export function parseAnswer(text: string): GraphqlAnswer | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'Shopify answered with a body that is not JSON';
  }
  if (!isRecord(body)) return 'Shopify answered with JSON that is not an object';
  const data = body.data === undefined || body.data === null ? null : body.data;
  if (data !== null && !isRecord(data)) return 'Shopify answered with a "data" that is not an object';
  const errors: GraphqlError[] = [];
  if (body.errors !== undefined) {
    // Some transport errors come as `{"errors": "message"}` rather than a list.
    const list = Array.isArray(body.errors) ? body.errors : [{ message: body.errors }];
    for (const e of list) {
      const message = isRecord(e) && typeof e.message === 'string' ? e.message : String(e);
      const code =
        isRecord(e) && isRecord(e.extensions) && typeof e.extensions.code === 'string'
          ? e.extensions.code
          : undefined;
      errors.push({ message, code });
    }
  }
  if (data === null && errors.length === 0) return 'Shopify answered with neither data nor errors';
  return { data, errors, cost: parseCost(body.extensions) };
}

/** True when Shopify refused to run the query because the bucket could not hold its cost. */
export function isThrottled(answer: GraphqlAnswer): boolean {
  return answer.errors.some((e) => e.code === 'THROTTLED' || e.message === 'Throttled');
}

/**
 * The `userErrors` of a mutation payload (empty when there are none).
 *
 * @example
 * ```ts
 * userErrorsOf({ userErrors: [{ field: ['id'], message: 'Draft order not found' }] });
 * // → [{ field: ['id'], message: 'Draft order not found', code: null }]
 * ```
 */
export function userErrorsOf(payload: unknown): ShopifyUserError[] {
  if (!isRecord(payload) || !Array.isArray(payload.userErrors)) return [];
  return payload.userErrors.map((e: unknown) => {
    const r = isRecord(e) ? e : {};
    const field = Array.isArray(r.field) ? r.field.filter((f): f is string => typeof f === 'string') : null;
    return {
      field,
      message: typeof r.message === 'string' ? r.message : 'unspecified error',
      code: typeof r.code === 'string' ? r.code : null,
    };
  });
}
