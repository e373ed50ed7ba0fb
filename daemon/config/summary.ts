/**
 * What the daemon logs about its configuration at start-up: every setting, so an operator can
 * see what is in force, with every secret masked. Secrets are the Apps Script key, the API tokens
 * and any password or query string inside a URL (`DATABASE_URL`, `REDIS_URL`, `APPS_SCRIPT_URL`:
 * the Apps Script deployment URL is kept, since it says which deployment is called, but its
 * query string is not), and the alert sinks' credentials (Slack's webhook URL, PagerDuty's
 * routing key, the alert webhook's path and secret).
 */
import type { Config } from './config.ts';

export const MASK = '[redacted]';

/**
 * A URL with its password and query string masked; unparsable input is masked whole, since
 * there is no telling where a secret might sit in it.
 *
 * @example
 * ```ts
 * maskUrl('postgres://app:hunter2@db:5432/ledger'); // 'postgres://app:[redacted]@db:5432/ledger'
 * ```
 */
export function maskUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return MASK;
  }
  // URL setters percent-encode brackets, so mask by rebuilding the text instead.
  const auth = u.username || u.password ? `${u.username}${u.password ? `:${MASK}` : ''}@` : '';
  const query = u.search ? `?${MASK}` : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname === '/' && !value.endsWith('/') ? '' : u.pathname}${query}`;
}

/** Scheme and host only: a receiver may put its own token in the path or query. */
function webhookOrigin(value: string): string {
  try {
    return `${new URL(value).origin}/${MASK}`;
  } catch {
    return MASK;
  }
}

/**
 * The configuration as a plain object for the start-up log, secrets masked. Tokens are
 * summarised by role and subject (who can call), never by value.
 *
 * @example
 * ```ts
 * logger.info({ config: configSummary(config) }, 'configuration');
 * // { …, appsScriptSecret: '[redacted]', authTokens: [{ role: 'agent', subject: 'agent-7' }], … }
 * ```
 */
export function configSummary(config: Config): Record<string, unknown> {
  return {
    ...config,
    redisUrl: maskUrl(config.redisUrl),
    databaseUrl: config.databaseUrl === undefined ? '(unset: embedded PGlite)' : maskUrl(config.databaseUrl),
    appsScriptUrl:
      config.appsScriptUrl === undefined
        ? '(unset: integration connector not configured)'
        : maskUrl(config.appsScriptUrl),
    appsScriptSecret: config.appsScriptSecret === undefined ? undefined : MASK,
    shopifyAdminToken: config.shopifyAdminToken === undefined ? undefined : MASK,
    paymentRefundWebhookUrl:
      config.paymentRefundWebhookUrl === undefined
        ? '(unset: CHECKOUT_COMPLETE not offered)'
        : maskUrl(config.paymentRefundWebhookUrl),
    paymentRefundWebhookSecret: config.paymentRefundWebhookSecret === undefined ? undefined : MASK,
    authTokens: config.authTokens.map((t) => ({ role: t.role, subject: t.subject })),
    // Slack's webhook URL is the credential itself; the generic webhook's may carry a token.
    slackWebhookUrl: config.slackWebhookUrl === undefined ? '(unset: no Slack sink)' : MASK,
    pagerdutyRoutingKey: config.pagerdutyRoutingKey === undefined ? '(unset: no PagerDuty sink)' : MASK,
    alertWebhookUrl:
      config.alertWebhookUrl === undefined
        ? '(unset: no webhook sink)'
        : webhookOrigin(config.alertWebhookUrl),
    alertWebhookSecret: config.alertWebhookSecret === undefined ? undefined : MASK,
    queues: [...config.queues],
  };
}
