/**
 * Turns configuration into the options bridges take: the credentials provider, each
 * connector's resilience settings (`CONNECTOR_RESILIENCE`) with the shared Redis for rate
 * limits, and a listener that puts the layer's events on the bus (metrics subscribe there).
 */
import type { AppsScriptBridgeOptions } from '../bridges/apps-script/bridge.ts';
import { type CredentialsProvider, EnvCredentialsProvider } from '../bridges/credentials.ts';
import type { RefundWebhookOptions } from '../bridges/payment-webhook/refund.ts';
import type { ResilienceOptions } from '../bridges/resilience/index.ts';
import type { ShopifyAdminBridgeOptions } from '../bridges/shopify-admin/bridge.ts';
import type { ShopifyMcpBridgeOptions } from '../bridges/shopify-mcp/bridge.ts';
import type { Redis } from 'ioredis';
import type { ConnectorResilienceConfig } from './config/connector-resilience.ts';
import type { Config } from './config/index.ts';
import type { EventBus } from './core/events.ts';

/** Credentials the daemon hands to bridges by name. */
export const CREDENTIAL_NAMES = ['APPS_SCRIPT_SECRET'] as const;

/**
 * The credentials provider: environment variables, read from the validated configuration (so a
 * value that failed validation is never used). A Supabase Vault provider would be chosen here.
 *
 * @example
 * ```ts
 * const creds = credentialsFor(config);
 * await creds.get('APPS_SCRIPT_SECRET');
 * ```
 */
export function credentialsFor(config: Pick<Config, 'appsScriptSecret'>): CredentialsProvider {
  return new EnvCredentialsProvider(
    { APPS_SCRIPT_SECRET: config.appsScriptSecret },
    { allow: CREDENTIAL_NAMES },
  );
}

/** What wiring a bridge needs: the shared Redis (created on first use) and the bus. */
export interface WiringDeps {
  readonly redis: () => Redis;
  readonly bus: EventBus;
}

/**
 * One connector's resilience options from `CONNECTOR_RESILIENCE`, with the rate limit's Redis
 * and the event listener filled in. A partner of a fan-out connector (`shopify-mcp:alpine`)
 * takes its connector's settings (`shopify-mcp`) with its own entry overriding them field by
 * field; its rate limit is still its own bucket (`orc:ratelimit:shopify-mcp:alpine`).
 *
 * @example
 * ```ts
 * const opts = resilienceFor('apps-script', config, { redis, bus });
 * ```
 */
export function resilienceFor(
  connector: string,
  config: Pick<Config, 'connectorResilience'>,
  deps: WiringDeps,
): ResilienceOptions {
  const c = settingsOf(connector, config.connectorResilience);
  return {
    ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    ...(c.retry ? { retry: c.retry } : {}),
    ...(c.breaker ? { breaker: c.breaker } : {}),
    ...(c.bulkhead ? { bulkhead: c.bulkhead } : {}),
    ...(c.rateLimit ? { rateLimit: { ...c.rateLimit, redis: deps.redis() } } : {}),
    onEvent: (e) => deps.bus.emit('connector.resilience', e),
  };
}

/** `connector`'s own settings, over its parent's when it is `<parent>:<member>`. */
function settingsOf(
  connector: string,
  all: Readonly<Record<string, ConnectorResilienceConfig>>,
): ConnectorResilienceConfig {
  const own = all[connector] ?? {};
  const colon = connector.indexOf(':');
  if (colon < 0) return own;
  const base = all[connector.slice(0, colon)] ?? {};
  const rateLimit = base.rateLimit || own.rateLimit ? { ...base.rateLimit, ...own.rateLimit } : undefined;
  return {
    ...base,
    ...own,
    ...(base.retry || own.retry ? { retry: { ...base.retry, ...own.retry } } : {}),
    ...(base.breaker || own.breaker ? { breaker: { ...base.breaker, ...own.breaker } } : {}),
    ...(base.bulkhead || own.bulkhead ? { bulkhead: { ...base.bulkhead, ...own.bulkhead } } : {}),
    // `limit` is required in each entry that has a rateLimit, so the merge always has one.
    ...(rateLimit ? { rateLimit: rateLimit as NonNullable<ConnectorResilienceConfig['rateLimit']> } : {}),
  };
}

/**
 * The Shopify Admin bridge's options (checkout), or undefined when the shop is not configured.
 * `SHOPIFY_TIMEOUT_MS` stays the per-attempt timeout unless `CONNECTOR_RESILIENCE` names one.
 *
 * @example
 * ```ts
 * const shopify = shopifyAdminOptions(config, { redis, bus });
 * ```
 */
export function shopifyAdminOptions(
  config: Pick<
    Config,
    | 'shopifyShopDomain'
    | 'shopifyAdminToken'
    | 'shopifyApiVersion'
    | 'shopifyTimeoutMs'
    | 'connectorResilience'
  >,
  deps: WiringDeps,
): ShopifyAdminBridgeOptions | undefined {
  if (!config.shopifyShopDomain || !config.shopifyAdminToken) return undefined;
  const r = resilienceFor('shopify-admin', config, deps);
  return {
    shopDomain: config.shopifyShopDomain,
    accessToken: config.shopifyAdminToken,
    apiVersion: config.shopifyApiVersion,
    timeoutMs: r.timeoutMs ?? config.shopifyTimeoutMs,
    ...(r.retry ? { retry: r.retry } : {}),
    ...(r.breaker ? { breaker: r.breaker } : {}),
    ...(r.bulkhead ? { bulkhead: r.bulkhead } : {}),
    ...(r.rateLimit ? { rateLimit: r.rateLimit } : {}),
    ...(r.onEvent ? { onEvent: r.onEvent } : {}),
  };
}

/**
 * The refund webhook's options (connector `payment-webhook`), or undefined when it is not
 * configured.
 *
 * @example
 * ```ts
 * const refunds = refundWebhookOptions(config, { redis, bus });
 * ```
 */
export function refundWebhookOptions(
  config: Pick<
    Config,
    | 'paymentRefundWebhookUrl'
    | 'paymentRefundWebhookSecret'
    | 'paymentRefundWebhookHonoursIdempotencyKey'
    | 'connectorResilience'
  >,
  deps: WiringDeps,
): RefundWebhookOptions | undefined {
  if (!config.paymentRefundWebhookUrl || !config.paymentRefundWebhookSecret) return undefined;
  const r = resilienceFor('payment-webhook', config, deps);
  return {
    url: config.paymentRefundWebhookUrl,
    secret: config.paymentRefundWebhookSecret,
    honoursIdempotencyKey: config.paymentRefundWebhookHonoursIdempotencyKey,
    ...(r.timeoutMs === undefined ? {} : { timeoutMs: r.timeoutMs }),
    ...(r.retry?.attempts === undefined ? {} : { attempts: r.retry.attempts }),
    ...(r.retry?.baseMs === undefined ? {} : { baseMs: r.retry.baseMs }),
    ...(r.retry?.maxDelayMs === undefined ? {} : { maxDelayMs: r.retry.maxDelayMs }),
    ...(r.breaker ? { breaker: r.breaker } : {}),
    ...(r.bulkhead ? { bulkhead: r.bulkhead } : {}),
    ...(r.rateLimit ? { rateLimit: r.rateLimit } : {}),
    ...(r.onEvent ? { onEvent: r.onEvent } : {}),
  };
}

/**
 * The Storefront MCP bridge's options (discovery): `DISCOVERY_PARTNER_TIMEOUT_MS` per partner,
 * and each partner's resilience from `CONNECTOR_RESILIENCE` (`shopify-mcp`, overridden by
 * `shopify-mcp:<slug>`), resolved when the partner is first searched.
 *
 * @example
 * ```ts
 * const mcp = shopifyMcpOptions(config, { redis, bus });
 * ```
 */
export function shopifyMcpOptions(
  config: Pick<Config, 'discoveryPartnerTimeoutMs' | 'connectorResilience'>,
  deps: WiringDeps,
): ShopifyMcpBridgeOptions {
  return {
    timeoutMs: config.discoveryPartnerTimeoutMs,
    resilience: (connector) => resilienceFor(connector, config, deps),
  };
}

/**
 * The Apps Script bridge's options, or undefined when it is not configured.
 *
 * @example
 * ```ts
 * const appsScript = appsScriptOptions(config, { redis, bus });
 * ```
 */
export function appsScriptOptions(
  config: Pick<Config, 'appsScriptUrl' | 'appsScriptSecret' | 'appsScriptTimeoutMs' | 'connectorResilience'>,
  deps: WiringDeps & { readonly credentials: CredentialsProvider },
): AppsScriptBridgeOptions | undefined {
  if (!config.appsScriptUrl || !config.appsScriptSecret) return undefined;
  const r = resilienceFor('apps-script', config, deps);
  return {
    url: config.appsScriptUrl,
    credentials: { provider: deps.credentials, name: 'APPS_SCRIPT_SECRET' },
    // APPS_SCRIPT_TIMEOUT_MS stays the bridge's timeout unless CONNECTOR_RESILIENCE names one.
    timeoutMs: r.timeoutMs ?? config.appsScriptTimeoutMs,
    ...(r.retry ? { retry: r.retry } : {}),
    ...(r.breaker ? { breaker: r.breaker } : {}),
    ...(r.bulkhead ? { bulkhead: r.bulkhead } : {}),
    ...(r.rateLimit ? { rateLimit: r.rateLimit } : {}),
    ...(r.onEvent ? { onEvent: r.onEvent } : {}),
  };
}
