/**
 * The daemon's logger: pino, JSON lines on stdout, one child per command with its `action_id`,
 * `agent_id` and `command_type` bound so every line about a command can be found with one query.
 *
 * Secrets are redacted by key wherever they are likely to be logged: request headers, anything
 * called token/secret/password/signature at the top level or one level down, the Apps Script key
 * under its config and env names, and the configured API tokens. Redaction is a safety net, not
 * permission: code should still log `configSummary(config)`, never the config itself.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/config.ts';

export type { Logger } from 'pino';

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/**
 * Paths pino censors. `*` matches exactly one level, so the common shapes are listed both at
 * the top and one level down (`{ token }` and `{ bridge: { token } }`).
 */
export const REDACT_PATHS: readonly string[] = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.headers.authorization',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'signature',
  '*.signature',
  'apps_script_secret',
  '*.apps_script_secret',
  'APPS_SCRIPT_SECRET',
  '*.APPS_SCRIPT_SECRET',
  'appsScriptSecret',
  '*.appsScriptSecret',
  'shopifyAdminToken',
  '*.shopifyAdminToken',
  'SHOPIFY_ADMIN_TOKEN',
  '*.SHOPIFY_ADMIN_TOKEN',
  'headers["x-shopify-access-token"]',
  '*.headers["x-shopify-access-token"]',
  'paymentRefundWebhookSecret',
  '*.paymentRefundWebhookSecret',
  'PAYMENT_REFUND_WEBHOOK_SECRET',
  '*.PAYMENT_REFUND_WEBHOOK_SECRET',
  'ORCHESTRATOR_AUTH_TOKENS',
  '*.ORCHESTRATOR_AUTH_TOKENS',
  'authTokens[*].token',
  '*.authTokens[*].token',
  // Alert sinks: the Slack webhook URL is itself the credential.
  'routing_key',
  '*.routing_key',
  'slackWebhookUrl',
  '*.slackWebhookUrl',
  'pagerdutyRoutingKey',
  '*.pagerdutyRoutingKey',
  'alertWebhookSecret',
  '*.alertWebhookSecret',
  'SLACK_WEBHOOK_URL',
  '*.SLACK_WEBHOOK_URL',
  'PAGERDUTY_ROUTING_KEY',
  '*.PAGERDUTY_ROUTING_KEY',
  'ALERT_WEBHOOK_SECRET',
  '*.ALERT_WEBHOOK_SECRET',
];

/**
 * Creates the root logger. `destination` is for tests (and for routing logs elsewhere); the
 * default is stdout.
 *
 * @example
 * ```ts
 * const logger = createLogger(config);
 * logger.info({ config: configSummary(config) }, 'configuration');
 * logger.warn({ req: { headers: { authorization: 'Bearer s3cret' } } }, 'x'); // authorization → "[redacted]"
 * ```
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name: 'orchestrator',
    level: config.logLevel,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Identifies one command in every log line about it. */
export interface CommandLogContext {
  readonly actionId: string;
  readonly agentId: string;
  readonly commandType: string;
}

/**
 * A child logger for one command. Keys are snake_case as in the API (`action_id`), so a log
 * search uses the same names an agent sees.
 *
 * @example
 * ```ts
 * const log = commandLogger(logger, { actionId: 'chk-1', agentId: 'agent-7', commandType: 'REFRESH_TOKEN' });
 * log.info({ decision: 'judge' }, 'policy decided');
 * // {"level":30,…,"action_id":"chk-1","agent_id":"agent-7","command_type":"REFRESH_TOKEN","decision":"judge",…}
 * ```
 */
export function commandLogger(logger: Logger, ctx: CommandLogContext): Logger {
  return logger.child({ action_id: ctx.actionId, agent_id: ctx.agentId, command_type: ctx.commandType });
}
