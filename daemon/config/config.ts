/**
 * The daemon's configuration: what it is (the `Config` interface) and what it is when nothing is
 * set (`DEFAULTS`). Together with the zod schema in `schema.ts` these are the only places a
 * setting is defined; `docs/configuration.md` documents every variable and a test keeps it
 * complete. Values come from the environment (see `loadConfig`), are validated once at start-up
 * and then frozen.
 */
import type { AlertRoute } from '../alerts/routes.ts';
import { SHOPIFY_API_VERSION } from '../../bridges/shopify-admin/protocol.ts';
import { DEFAULT_MAX_COMMAND_BYTES, DEFAULT_MAX_STRING_LENGTH } from '../contract/command.ts';
import type { ConnectorResilienceConfig } from './connector-resilience.ts';

export const AUTH_ROLES = ['agent', 'oncall', 'security', 'admin'] as const;
export type AuthRole = (typeof AUTH_ROLES)[number];

/** One API credential, from `ORCHESTRATOR_AUTH_TOKENS` or `ORCHESTRATOR_AUTH_TOKENS_FILE`. */
export interface AuthToken {
  readonly role: AuthRole;
  /** The identity the token speaks for: the agent id for `agent` tokens. */
  readonly subject: string;
  /** The bearer secret. Never logged: see `configSummary`. */
  readonly token: string;
}

export const POLICY_ENGINES = ['rego', 'wasm'] as const;
export type PolicyEngineKind = (typeof POLICY_ENGINES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The validated, frozen configuration. Each field comes from the variable named in its doc. */
export interface Config {
  /** `PORT`: HTTP port of the API; 0 picks a free one. @defaultValue 8080 */
  readonly port: number;
  /** `HOST`: interface the API listens on. @defaultValue '127.0.0.1' */
  readonly host: string;
  /** `REDIS_URL`: Redis for the BullMQ queues. @defaultValue 'redis://127.0.0.1:6379' */
  readonly redisUrl: string;
  /** `DATABASE_URL`: Postgres (or Supabase) ledger; unset means embedded PGlite. @defaultValue undefined */
  readonly databaseUrl: string | undefined;
  /** `DATA_DIR`: where PGlite keeps the embedded ledger. @defaultValue './.data' */
  readonly dataDir: string;
  /** `POLICY_DIR`: `*.rego`, `*_test.rego` and `data.json`. @defaultValue './policies' */
  readonly policyDir: string;
  /** `POLICY_ENGINE`: our Rego interpreter or an OPA wasm bundle. @defaultValue 'rego' */
  readonly policyEngine: PolicyEngineKind;
  /** `POLICY_WASM_PATH`: the `opa build -t wasm` bundle; required when `policyEngine` is wasm. @defaultValue undefined */
  readonly policyWasmPath: string | undefined;
  /** `JURY_PANEL`: the jury's panel file (`judges/panel.json`); unset means no jury: judge-bound commands wait for a person. @defaultValue undefined */
  readonly juryPanel: string | undefined;
  /** `JURY_SHADOW`: record the jury's verdicts but let a person decide every judge-bound command. @defaultValue false */
  readonly juryShadow: boolean;
  /** `POLICY_EVAL_TIMEOUT_MS`: longest one policy evaluation may take before the command is blocked. @defaultValue 50 */
  readonly policyEvalTimeoutMs: number;
  /** `POLICY_MAX_STEPS`: evaluation step budget of the Rego engine. @defaultValue 100000 */
  readonly policyMaxSteps: number;
  /** `POLICY_WATCH`: reload `policyDir` when it changes (after its tests pass). @defaultValue true */
  readonly policyWatch: boolean;
  /** `ORCHESTRATOR_QUEUES`: queues the poller consumes; the first is where the HTTP intake enqueues. @defaultValue ['agent-commands'] */
  readonly queues: readonly string[];
  /** `DEAD_LETTER_QUEUE`: where invalid jobs go (never retried). @defaultValue 'agent-commands-dead' */
  readonly deadLetterQueue: string;
  /** `WORKER_CONCURRENCY`: jobs processed at once per queue. @defaultValue 8 */
  readonly workerConcurrency: number;
  /** `JOB_ATTEMPTS`: attempts for transient failures before a job fails. @defaultValue 5 */
  readonly jobAttempts: number;
  /** `JOB_BACKOFF_MS`: first retry delay (exponential). @defaultValue 1000 */
  readonly jobBackoffMs: number;
  /** `SHUTDOWN_DEADLINE_MS`: how long in-flight jobs may finish after SIGTERM. @defaultValue 10000 */
  readonly shutdownDeadlineMs: number;
  /** `JOB_LOCK_MS`: how long a worker's lock on a job lasts before another may take it over. @defaultValue 30000 */
  readonly jobLockMs: number;
  /** `ORCHESTRATOR_AUTH_TOKENS` then `ORCHESTRATOR_AUTH_TOKENS_FILE`, parsed. @defaultValue [] */
  readonly authTokens: readonly AuthToken[];
  /** `ORCHESTRATOR_AUTH_TOKENS_FILE`: file the tokens were also read from. @defaultValue undefined */
  readonly authTokensFile: string | undefined;
  /** `RATE_LIMIT_PER_MINUTE`: requests per minute per authenticated caller. @defaultValue 600 */
  readonly rateLimitPerMinute: number;
  /** `BODY_LIMIT_BYTES`: largest HTTP request body. @defaultValue 65536 */
  readonly bodyLimitBytes: number;
  /** `MAX_COMMAND_BYTES`: largest serialized command (contract). @defaultValue 16384 */
  readonly maxCommandBytes: number;
  /** `MAX_STRING_LENGTH`: longest string in a command where a field states no limit. @defaultValue 2048 */
  readonly maxStringLength: number;
  /** `APPS_SCRIPT_URL`: the deployed Apps Script web app; unset means integration commands fail "not configured". @defaultValue undefined */
  readonly appsScriptUrl: string | undefined;
  /** `APPS_SCRIPT_SECRET`: HMAC key shared with the Apps Script. @defaultValue undefined */
  readonly appsScriptSecret: string | undefined;
  /** `APPS_SCRIPT_TIMEOUT_MS`: per bridge call, redirect included. @defaultValue 10000 */
  readonly appsScriptTimeoutMs: number;
  /** `SHOPIFY_SHOP_DOMAIN`: the shop checkout runs against (`demo.myshopify.com`); unset means checkout commands fail "not configured". @defaultValue undefined */
  readonly shopifyShopDomain: string | undefined;
  /** `SHOPIFY_ADMIN_TOKEN`: Admin API access token of the shop. Secret. @defaultValue undefined */
  readonly shopifyAdminToken: string | undefined;
  /** `SHOPIFY_API_VERSION`: pinned GraphQL Admin API version. @defaultValue '2026-10' */
  readonly shopifyApiVersion: string;
  /** `SHOPIFY_TIMEOUT_MS`: per GraphQL request attempt. @defaultValue 10000 */
  readonly shopifyTimeoutMs: number;
  /** `PAYMENT_REFUND_WEBHOOK_URL`: where refunds of failed checkouts are requested; unset means CHECKOUT_COMPLETE is not offered. @defaultValue undefined */
  readonly paymentRefundWebhookUrl: string | undefined;
  /** `PAYMENT_REFUND_WEBHOOK_SECRET`: HMAC key of the refund webhook. Secret. @defaultValue undefined */
  readonly paymentRefundWebhookSecret: string | undefined;
  /**
   * `PAYMENT_REFUND_WEBHOOK_HONOURS_IDEMPOTENCY_KEY`: the receiver deduplicates on
   * `Idempotency-Key`, so a failed refund request may be retried; false sends each exactly once.
   * @defaultValue true
   */
  readonly paymentRefundWebhookHonoursIdempotencyKey: boolean;
  /** `DISCOVERY_PARTNER_TIMEOUT_MS`: how long DISCOVER_PRODUCTS waits for each partner's MCP answer. @defaultValue 3000 */
  readonly discoveryPartnerTimeoutMs: number;
  /** `ACTION_EVENTS_POLL_MS`: how often `GET /v1/actions/:id/events` looks for new events. @defaultValue 250 */
  readonly actionEventsPollMs: number;
  /**
   * `CONNECTOR_RESILIENCE`: per-connector timeout, retry, breaker, rate limit and bulkhead
   * settings, keyed by connector name. @defaultValue {} (every connector takes the layer's defaults; no rate limit)
   */
  readonly connectorResilience: Readonly<Record<string, ConnectorResilienceConfig>>;
  /** `HISTORY_WINDOW_MS`: window of the history counts given to the policy. @defaultValue 3600000 */
  readonly historyWindowMs: number;
  /** `HISTORY_KEY_PREFIX`: Redis key prefix of the history counters. @defaultValue 'orc:history' */
  readonly historyKeyPrefix: string;
  /** `APPROVAL_GRANT_TTL_MS`: how long a person's approval stays usable. @defaultValue 3600000 */
  readonly approvalGrantTtlMs: number;
  /** `APPROVAL_SWEEP_INTERVAL_MS`: how often lapsed approvals are ended EXPIRED. @defaultValue 60000 */
  readonly approvalSweepIntervalMs: number;
  /** `JURY_REPORT_WINDOW_DAYS`: period of the jury agreement metrics. @defaultValue 7 */
  readonly juryReportWindowDays: number;
  /** `KILL_SWITCH_PREFIX`: Redis key prefix of the switch state, replicas and acks. @defaultValue 'orchestrator:control' */
  readonly killSwitchPrefix: string;
  /** `KILL_SWITCH_REFRESH_MS`: how often each replica re-reads the switch and heartbeats. @defaultValue 1000 */
  readonly killSwitchRefreshMs: number;
  /** `KILL_SWITCH_STALE_MS`: a replica whose last good read is older treats the switch as halted. @defaultValue 2000 */
  readonly killSwitchStaleMs: number;
  /** `KILL_SWITCH_ACK_TIMEOUT_MS`: longest a flip waits for every live replica's ack. @defaultValue 2500 */
  readonly killSwitchAckTimeoutMs: number;
  /** `KILL_SWITCH_TWO_PERSON`: releasing the master switch takes two different people. @defaultValue false */
  readonly killSwitchTwoPerson: boolean;
  /** `KILL_SWITCH_RELEASE_REQUEST_TTL_MS`: how long a first release waits for its confirmation. @defaultValue 900000 */
  readonly killSwitchReleaseRequestTtlMs: number;
  /** `KILL_SWITCH_HELD_SWEEP_MS`: how often HELD actions no halt covers are requeued. @defaultValue 30000 */
  readonly killSwitchHeldSweepMs: number;
  /** `ANOMALY_AUTO_PAUSE`: a refresh storm pauses the poller by itself. @defaultValue true */
  readonly anomalyAutoPause: boolean;
  /** `ANOMALY_REFRESH_THRESHOLD`: unapproved REFRESH_TOKEN attempts (per agent or service) that make a storm. @defaultValue 5 */
  readonly anomalyRefreshThreshold: number;
  /** `ANOMALY_REFRESH_WINDOW_MS`: the window those attempts are counted in. @defaultValue 600000 */
  readonly anomalyRefreshWindowMs: number;
  /** `LOG_LEVEL`: pino level. @defaultValue 'info' */
  readonly logLevel: LogLevel;
  /** `ALERT_ROUTES`: routing rules from kind/severity/teams to sinks; unset means the built-in rules (docs/alerts.md). @defaultValue undefined */
  readonly alertRoutes: readonly AlertRoute[] | undefined;
  /** `ALERT_QUEUE`: the BullMQ queue alert deliveries go through. @defaultValue 'orchestrator-alerts' */
  readonly alertQueue: string;
  /** `ALERT_ATTEMPTS`: delivery attempts per (alert, sink), the first included. @defaultValue 25 */
  readonly alertAttempts: number;
  /** `ALERT_BACKOFF_MS`: first retry delay of a delivery, doubled per attempt. @defaultValue 1000 */
  readonly alertBackoffMs: number;
  /** `ALERT_BACKOFF_MAX_MS`: ceiling of the retry delay. @defaultValue 300000 */
  readonly alertBackoffMaxMs: number;
  /** `ALERT_DEDUP_WINDOW_MS`: repeats of a dedup key within this window are suppressed per sink. @defaultValue 300000 */
  readonly alertDedupWindowMs: number;
  /** `ALERT_SINK_TIMEOUT_MS`: timeout of one HTTP call to a sink. @defaultValue 5000 */
  readonly alertSinkTimeoutMs: number;
  /** `SLACK_WEBHOOK_URL`: Slack incoming webhook; unset means no Slack sink. Secret. @defaultValue undefined */
  readonly slackWebhookUrl: string | undefined;
  /** `PAGERDUTY_ROUTING_KEY`: Events API v2 integration key; unset means no PagerDuty sink. Secret. @defaultValue undefined */
  readonly pagerdutyRoutingKey: string | undefined;
  /** `PAGERDUTY_EVENTS_URL`: the Events API v2 endpoint. @defaultValue 'https://events.pagerduty.com/v2/enqueue' */
  readonly pagerdutyEventsUrl: string;
  /** `ALERT_WEBHOOK_URL`: generic webhook receiving signed alerts; unset means no webhook sink. Secret. @defaultValue undefined */
  readonly alertWebhookUrl: string | undefined;
  /** `ALERT_WEBHOOK_SECRET`: HMAC-SHA256 key signing webhook bodies. Secret. @defaultValue undefined */
  readonly alertWebhookSecret: string | undefined;
}

/** Every default in one place. Fields absent here default to unset (`undefined`). */
export const DEFAULTS = {
  port: 8_080,
  host: '127.0.0.1', // loopback: exposing the API is a decision, not an accident
  redisUrl: 'redis://127.0.0.1:6379',
  dataDir: './.data', // relative to the working directory
  policyDir: './policies', // relative to the working directory
  policyEngine: 'rego',
  policyEvalTimeoutMs: 50, // per evaluation
  policyMaxSteps: 100_000, // evaluation steps per decision
  policyWatch: true,
  juryShadow: false, // true: the jury only advises
  queues: ['agent-commands'],
  deadLetterQueue: 'agent-commands-dead',
  workerConcurrency: 8, // jobs in flight per queue
  jobAttempts: 5, // attempts in total, the first included
  jobBackoffMs: 1_000, // first retry delay, doubled each attempt
  shutdownDeadlineMs: 10_000, // after SIGTERM/SIGINT
  jobLockMs: 30_000, // a dead worker's jobs are recovered after about this long
  authTokens: [],
  rateLimitPerMinute: 600, // requests per caller per minute
  bodyLimitBytes: 65_536, // bytes per HTTP request body
  maxCommandBytes: DEFAULT_MAX_COMMAND_BYTES, // 16_384 bytes, serialized UTF-8
  maxStringLength: DEFAULT_MAX_STRING_LENGTH, // 2_048 characters
  appsScriptTimeoutMs: 10_000, // per bridge call
  shopifyApiVersion: SHOPIFY_API_VERSION, // '2026-10', pinned in bridges/shopify-admin/protocol.ts
  shopifyTimeoutMs: 10_000, // per GraphQL request attempt
  paymentRefundWebhookHonoursIdempotencyKey: true, // retries allowed only when the receiver dedupes
  discoveryPartnerTimeoutMs: 3_000, // per partner: initialize + search_shop_catalog + answer
  actionEventsPollMs: 250, // between ledger reads of an open event stream
  connectorResilience: {}, // connector name → settings; none means the layer's defaults
  historyWindowMs: 3_600_000, // one hour, as the shipped policy's `*_1h` counters assume
  historyKeyPrefix: 'orc:history', // one namespace per orchestrator sharing a Redis
  approvalGrantTtlMs: 3_600_000, // one hour from the person's decision
  approvalSweepIntervalMs: 60_000, // between scans for lapsed approvals
  juryReportWindowDays: 7, // days of human decisions the agreement metrics cover
  killSwitchPrefix: 'orchestrator:control',
  killSwitchRefreshMs: 1_000, // periodic re-read, on top of pub/sub pushes
  killSwitchStaleMs: 2_000, // 2 × the re-read interval: fail closed beyond it
  killSwitchAckTimeoutMs: 2_500, // above the staleness bound, so a silent replica has stopped itself
  killSwitchTwoPerson: false,
  killSwitchReleaseRequestTtlMs: 900_000, // 15 minutes for the second person
  killSwitchHeldSweepMs: 30_000, // between sweeps for HELD actions a release left behind
  anomalyAutoPause: true,
  anomalyRefreshThreshold: 5, // unapproved REFRESH_TOKEN attempts…
  anomalyRefreshWindowMs: 600_000, // …in 10 minutes
  logLevel: 'info',
  alertQueue: 'orchestrator-alerts',
  alertAttempts: 25, // attempts in total per (alert, sink)
  alertBackoffMs: 1_000, // first retry delay, doubled each attempt
  alertBackoffMaxMs: 300_000, // retry delay ceiling: 5 minutes
  alertDedupWindowMs: 300_000, // 5 minutes
  alertSinkTimeoutMs: 5_000, // per HTTP call to a sink
  pagerdutyEventsUrl: 'https://events.pagerduty.com/v2/enqueue',
} as const satisfies Partial<Config>;
