/**
 * Loads the configuration from the environment once, at start-up: every problem is collected
 * and reported together (one restart to fix them all), then the result is deep-frozen so no part
 * of the daemon can change a setting another part already relied on.
 */
import { readFileSync } from 'node:fs';
import { ConfigErrors } from '../errors/config.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { duplicateTokenProblems, parseAuthTokens } from './auth-tokens.ts';
import { type AuthToken, type Config, DEFAULTS } from './config.ts';
import { CONFIG_VARIABLES, ENV_SCHEMA, type ParsedEnv, SECRET_VARIABLES } from './schema.ts';

/** One bad variable and why. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function echo(variable: string, value: string | undefined): string {
  if (value === undefined || SECRET_VARIABLES.has(variable)) return '';
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return ` (got ${JSON.stringify(shown)})`;
}

function readTokensFile(
  path: string,
  problems: ConfigProblem[],
): { tokens: AuthToken[]; positions: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push({ variable: 'ORCHESTRATOR_AUTH_TOKENS_FILE', message: `cannot read ${path} (${code})` });
    return { tokens: [], positions: [] };
  }
  const parsed = parseAuthTokens(text, 'lines');
  for (const message of parsed.problems)
    problems.push({ variable: 'ORCHESTRATOR_AUTH_TOKENS_FILE', message });
  return parsed;
}

function toConfig(env: ParsedEnv, authTokens: readonly AuthToken[]): Config {
  return {
    port: env.PORT,
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    policyDir: env.POLICY_DIR,
    policyEngine: env.POLICY_ENGINE,
    policyWasmPath: env.POLICY_WASM_PATH,
    juryPanel: env.JURY_PANEL,
    juryShadow: env.JURY_SHADOW,
    policyEvalTimeoutMs: env.POLICY_EVAL_TIMEOUT_MS,
    policyMaxSteps: env.POLICY_MAX_STEPS,
    policyWatch: env.POLICY_WATCH,
    queues: env.ORCHESTRATOR_QUEUES,
    deadLetterQueue: env.DEAD_LETTER_QUEUE,
    workerConcurrency: env.WORKER_CONCURRENCY,
    jobAttempts: env.JOB_ATTEMPTS,
    jobBackoffMs: env.JOB_BACKOFF_MS,
    shutdownDeadlineMs: env.SHUTDOWN_DEADLINE_MS,
    jobLockMs: env.JOB_LOCK_MS,
    authTokens: [...authTokens],
    authTokensFile: env.ORCHESTRATOR_AUTH_TOKENS_FILE,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    maxCommandBytes: env.MAX_COMMAND_BYTES,
    maxStringLength: env.MAX_STRING_LENGTH,
    appsScriptUrl: env.APPS_SCRIPT_URL,
    appsScriptSecret: env.APPS_SCRIPT_SECRET,
    appsScriptTimeoutMs: env.APPS_SCRIPT_TIMEOUT_MS,
    shopifyShopDomain: env.SHOPIFY_SHOP_DOMAIN,
    shopifyAdminToken: env.SHOPIFY_ADMIN_TOKEN,
    shopifyApiVersion: env.SHOPIFY_API_VERSION,
    shopifyTimeoutMs: env.SHOPIFY_TIMEOUT_MS,
    paymentRefundWebhookUrl: env.PAYMENT_REFUND_WEBHOOK_URL,
    paymentRefundWebhookSecret: env.PAYMENT_REFUND_WEBHOOK_SECRET,
    paymentRefundWebhookHonoursIdempotencyKey: env.PAYMENT_REFUND_WEBHOOK_HONOURS_IDEMPOTENCY_KEY,
    discoveryPartnerTimeoutMs: env.DISCOVERY_PARTNER_TIMEOUT_MS,
    actionEventsPollMs: env.ACTION_EVENTS_POLL_MS,
    connectorResilience: env.CONNECTOR_RESILIENCE ?? DEFAULTS.connectorResilience,
    historyWindowMs: env.HISTORY_WINDOW_MS,
    historyKeyPrefix: env.HISTORY_KEY_PREFIX,
    approvalGrantTtlMs: env.APPROVAL_GRANT_TTL_MS,
    approvalSweepIntervalMs: env.APPROVAL_SWEEP_INTERVAL_MS,
    juryReportWindowDays: env.JURY_REPORT_WINDOW_DAYS,
    killSwitchPrefix: env.KILL_SWITCH_PREFIX,
    killSwitchRefreshMs: env.KILL_SWITCH_REFRESH_MS,
    killSwitchStaleMs: env.KILL_SWITCH_STALE_MS,
    killSwitchAckTimeoutMs: env.KILL_SWITCH_ACK_TIMEOUT_MS,
    killSwitchTwoPerson: env.KILL_SWITCH_TWO_PERSON,
    killSwitchReleaseRequestTtlMs: env.KILL_SWITCH_RELEASE_REQUEST_TTL_MS,
    killSwitchHeldSweepMs: env.KILL_SWITCH_HELD_SWEEP_MS,
    anomalyAutoPause: env.ANOMALY_AUTO_PAUSE,
    anomalyRefreshThreshold: env.ANOMALY_REFRESH_THRESHOLD,
    anomalyRefreshWindowMs: env.ANOMALY_REFRESH_WINDOW_MS,
    logLevel: env.LOG_LEVEL,
    alertRoutes: env.ALERT_ROUTES,
    alertQueue: env.ALERT_QUEUE,
    alertAttempts: env.ALERT_ATTEMPTS,
    alertBackoffMs: env.ALERT_BACKOFF_MS,
    alertBackoffMaxMs: env.ALERT_BACKOFF_MAX_MS,
    alertDedupWindowMs: env.ALERT_DEDUP_WINDOW_MS,
    alertSinkTimeoutMs: env.ALERT_SINK_TIMEOUT_MS,
    slackWebhookUrl: env.SLACK_WEBHOOK_URL,
    pagerdutyRoutingKey: env.PAGERDUTY_ROUTING_KEY,
    pagerdutyEventsUrl: env.PAGERDUTY_EVENTS_URL,
    alertWebhookUrl: env.ALERT_WEBHOOK_URL,
    alertWebhookSecret: env.ALERT_WEBHOOK_SECRET,
  };
}

/**
 * Reads, validates and freezes the configuration. Unset and blank variables take their
 * defaults. Throws `OrchestratorError` `ORC_ERR_CONFIG_INVALID` whose message names every bad
 * variable and why (values of secret variables are never shown); `params.details.problems`
 * holds the same as `{ variable, message }[]`.
 *
 * @example
 * ```ts
 * const config = loadConfig();                      // process.env
 * const test = loadConfig({ PORT: '0', LOG_LEVEL: 'silent' });
 * loadConfig({ REDIS_URL: 'localhost:6379' });
 * // throws: invalid configuration: REDIS_URL: must be a redis:// or rediss:// URL
 * ```
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // Only our variables, and a blank one counts as unset: `PORT=` in a .env file means "default".
  const input: Record<string, string> = {};
  for (const name of CONFIG_VARIABLES) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') input[name] = v;
  }

  const problems: ConfigProblem[] = [];
  const parsed = ENV_SCHEMA.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(environment)');
      problems.push({ variable, message: `${issue.message}${echo(variable, input[variable])}` });
    }
  }

  let tokens: AuthToken[] = [];
  let positions: string[] = [];
  if (parsed.success && parsed.data.ORCHESTRATOR_AUTH_TOKENS) {
    tokens = parsed.data.ORCHESTRATOR_AUTH_TOKENS.tokens;
    positions = parsed.data.ORCHESTRATOR_AUTH_TOKENS.positions.map((p) => `ORCHESTRATOR_AUTH_TOKENS ${p}`);
  }
  const file = input.ORCHESTRATOR_AUTH_TOKENS_FILE?.trim();
  if (file !== undefined) {
    const fromFile = readTokensFile(file, problems);
    tokens = [...tokens, ...fromFile.tokens];
    positions = [...positions, ...fromFile.positions.map((p) => `ORCHESTRATOR_AUTH_TOKENS_FILE ${p}`)];
  }
  for (const message of duplicateTokenProblems(tokens, positions)) {
    problems.push({ variable: 'ORCHESTRATOR_AUTH_TOKENS', message });
  }

  if (!parsed.success || problems.length > 0) {
    throw new OrchestratorError(ConfigErrors.INVALID, {
      problems: problems.map((p) => `${p.variable}: ${p.message}`).join('; '),
      details: { problems },
    });
  }
  return deepFreeze(toConfig(parsed.data, tokens));
}
