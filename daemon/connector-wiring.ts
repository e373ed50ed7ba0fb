/**
 * Turns configuration into the options bridges take: the credentials provider, each
 * connector's resilience settings (`CONNECTOR_RESILIENCE`) with the shared Redis for rate
 * limits, and a listener that puts the layer's events on the bus (metrics subscribe there).
 */
import type { AppsScriptBridgeOptions } from '../bridges/apps-script/bridge.ts';
import { type CredentialsProvider, EnvCredentialsProvider } from '../bridges/credentials.ts';
import type { ResilienceOptions } from '../bridges/resilience/index.ts';
import type { Redis } from 'ioredis';
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

/**
 * One connector's resilience options from `CONNECTOR_RESILIENCE`, with the rate limit's Redis
 * and the event listener filled in.
 *
 * @example
 * ```ts
 * const opts = resilienceFor('apps-script', config, { redis, bus });
 * ```
 */
export function resilienceFor(
  connector: string,
  config: Pick<Config, 'connectorResilience'>,
  deps: { readonly redis: () => Redis; readonly bus: EventBus },
): ResilienceOptions {
  const c = config.connectorResilience[connector] ?? {};
  return {
    ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    ...(c.retry ? { retry: c.retry } : {}),
    ...(c.breaker ? { breaker: c.breaker } : {}),
    ...(c.bulkhead ? { bulkhead: c.bulkhead } : {}),
    ...(c.rateLimit ? { rateLimit: { ...c.rateLimit, redis: deps.redis() } } : {}),
    onEvent: (e) => deps.bus.emit('connector.resilience', e),
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
  deps: { readonly redis: () => Redis; readonly bus: EventBus; readonly credentials: CredentialsProvider },
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
