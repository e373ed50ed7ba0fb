/**
 * The zod schema of the environment: one entry per variable, each turning the raw string into
 * the typed value of `Config` (or the default from `DEFAULTS`), with a message that says what a
 * good value looks like. Cross-variable rules (wasm needs a path, a URL needs its secret) are in
 * the `superRefine` at the end. `docs/configuration.md` must list every key of `ENV_SCHEMA`.
 */
import { z } from 'zod';
import { parseRoutes, type SinkName, unconfiguredSinkProblems } from '../alerts/routes.ts';
import { API_VERSION_PATTERN, SHOP_DOMAIN_PATTERN } from '../../bridges/shopify-admin/protocol.ts';
import { parseAuthTokens } from './auth-tokens.ts';
import { DEFAULTS, LOG_LEVELS, POLICY_ENGINES } from './config.ts';
import { connectorResilience } from './connector-resilience.ts';

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Integers only (no `1e3`, no `3_000`): a config value should read exactly as it acts. */
function int(min: number, max: number) {
  return z.string().transform((s, ctx) => {
    const t = s.trim();
    const n = Number(t);
    if (!/^-?\d+$/.test(t) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return n;
  });
}

function bool() {
  return z.string().transform((s, ctx) => {
    const t = s.trim().toLowerCase();
    if (t === 'true' || t === '1') return true;
    if (t === 'false' || t === '0') return false;
    ctx.addIssue({ code: 'custom', message: 'must be true, false, 1 or 0' });
    return z.NEVER;
  });
}

function oneOf<const T extends readonly string[]>(values: T) {
  return z.string().transform((s, ctx) => {
    const t = s.trim();
    if ((values as readonly string[]).includes(t)) return t as T[number];
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}` });
    return z.NEVER;
  });
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A URL with one of the given schemes. `loopbackHttp` admits plain http only to this machine (a
 * local stand-in in tests); anywhere else the secret-bearing call must be encrypted.
 */
function url(protocols: readonly string[], what: string, opts: { loopbackHttp?: boolean } = {}) {
  return z.string().transform((s, ctx) => {
    let u: URL | undefined;
    try {
      u = new URL(s.trim());
    } catch {
      u = undefined;
    }
    const ok =
      u !== undefined &&
      (protocols.includes(u.protocol) ||
        (opts.loopbackHttp === true && u.protocol === 'http:' && LOOPBACK.has(u.hostname)));
    if (!ok) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
    return s.trim();
  });
}

function nonEmpty(what: string) {
  return z.string().transform((s, ctx) => {
    const t = s.trim();
    if (t === '' || /[\0\r\n]/.test(t)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
    return t;
  });
}

function pattern(re: RegExp, what: string, normalise: (s: string) => string = (s) => s) {
  return z.string().transform((s, ctx) => {
    const t = normalise(s.trim());
    if (!re.test(t)) {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
    return t;
  });
}

function queueName() {
  return z.string().transform((s, ctx) => {
    const t = s.trim();
    if (!QUEUE_NAME_PATTERN.test(t)) {
      ctx.addIssue({ code: 'custom', message: 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"' });
      return z.NEVER;
    }
    return t;
  });
}

function queueList() {
  return z.string().transform((s, ctx) => {
    const names = s
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    const bad = names.filter((n) => !QUEUE_NAME_PATTERN.test(n)).length;
    if (names.length === 0 || bad > 0) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be a comma-separated list of queue names, each 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"',
      });
      return z.NEVER;
    }
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'must not name the same queue twice' });
      return z.NEVER;
    }
    return names;
  });
}

function alertRoutes() {
  return z.string().transform((s, ctx) => {
    const r = parseRoutes(s);
    if (r.ok) return r.routes;
    for (const message of r.problems) ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });
}

function authTokens() {
  return z.string().transform((s, ctx) => {
    const { tokens, positions, problems } = parseAuthTokens(s, 'comma');
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
    return problems.length > 0 ? z.NEVER : { tokens, positions };
  });
}

/**
 * The environment schema. Keys are variable names; a variable that is unset or blank is absent
 * (`loadConfig` drops blanks), so `.default()` supplies the value from `DEFAULTS`.
 */
export const ENV_SCHEMA = z
  .object({
    PORT: int(0, 65_535).default(DEFAULTS.port),
    HOST: nonEmpty('a host name or IP address').default(DEFAULTS.host),
    REDIS_URL: url(['redis:', 'rediss:'], 'a redis:// or rediss:// URL').default(DEFAULTS.redisUrl),
    DATABASE_URL: url(['postgres:', 'postgresql:'], 'a postgres:// or postgresql:// URL').optional(),
    DATA_DIR: nonEmpty('a directory path').default(DEFAULTS.dataDir),
    POLICY_DIR: nonEmpty('a directory path').default(DEFAULTS.policyDir),
    POLICY_ENGINE: oneOf(POLICY_ENGINES).default(DEFAULTS.policyEngine),
    POLICY_WASM_PATH: nonEmpty('a file path').optional(),
    JURY_PANEL: nonEmpty('a file path').optional(),
    JURY_SHADOW: bool().default(DEFAULTS.juryShadow),
    POLICY_EVAL_TIMEOUT_MS: int(1, 60_000).default(DEFAULTS.policyEvalTimeoutMs),
    POLICY_MAX_STEPS: int(1, 1_000_000_000).default(DEFAULTS.policyMaxSteps),
    POLICY_WATCH: bool().default(DEFAULTS.policyWatch),
    ORCHESTRATOR_QUEUES: queueList().default([...DEFAULTS.queues]),
    DEAD_LETTER_QUEUE: queueName().default(DEFAULTS.deadLetterQueue),
    WORKER_CONCURRENCY: int(1, 1_024).default(DEFAULTS.workerConcurrency),
    JOB_ATTEMPTS: int(1, 100).default(DEFAULTS.jobAttempts),
    JOB_BACKOFF_MS: int(0, 3_600_000).default(DEFAULTS.jobBackoffMs),
    SHUTDOWN_DEADLINE_MS: int(0, 600_000).default(DEFAULTS.shutdownDeadlineMs),
    JOB_LOCK_MS: int(1_000, 600_000).default(DEFAULTS.jobLockMs),
    ORCHESTRATOR_AUTH_TOKENS: authTokens().optional(),
    ORCHESTRATOR_AUTH_TOKENS_FILE: nonEmpty('a file path').optional(),
    RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(DEFAULTS.rateLimitPerMinute),
    BODY_LIMIT_BYTES: int(1_024, 16_777_216).default(DEFAULTS.bodyLimitBytes),
    MAX_COMMAND_BYTES: int(256, 16_777_216).default(DEFAULTS.maxCommandBytes),
    MAX_STRING_LENGTH: int(64, 1_048_576).default(DEFAULTS.maxStringLength),
    APPS_SCRIPT_URL: url(['https:'], 'an https:// URL (http:// only to localhost)', {
      loopbackHttp: true,
    }).optional(),
    APPS_SCRIPT_SECRET: z
      .string()
      .refine(
        (s) => s.length >= 16 && s.trim() === s,
        'must be at least 16 characters, without surrounding spaces',
      )
      .optional(),
    PAYMENT_REFUND_WEBHOOK_HONOURS_IDEMPOTENCY_KEY: bool().default(
      DEFAULTS.paymentRefundWebhookHonoursIdempotencyKey,
    ),
    APPS_SCRIPT_TIMEOUT_MS: int(100, 300_000).default(DEFAULTS.appsScriptTimeoutMs),
    SHOPIFY_SHOP_DOMAIN: pattern(
      SHOP_DOMAIN_PATTERN,
      'a shop host name such as demo.myshopify.com (no scheme, no path; 127.0.0.1:port for a local stand-in)',
      (s) => s.toLowerCase(),
    ).optional(),
    SHOPIFY_ADMIN_TOKEN: z
      .string()
      .refine(
        (s) => s.length >= 16 && s.trim() === s && !/[\s]/.test(s),
        'must be an Admin API access token: at least 16 characters, no spaces',
      )
      .optional(),
    SHOPIFY_API_VERSION: pattern(API_VERSION_PATTERN, 'a stable Shopify API version such as 2026-10').default(
      DEFAULTS.shopifyApiVersion,
    ),
    SHOPIFY_TIMEOUT_MS: int(100, 120_000).default(DEFAULTS.shopifyTimeoutMs),
    PAYMENT_REFUND_WEBHOOK_URL: url(['https:'], 'an https:// URL (http:// only to localhost)', {
      loopbackHttp: true,
    }).optional(),
    PAYMENT_REFUND_WEBHOOK_SECRET: z
      .string()
      .refine(
        (s) => s.length >= 16 && s.trim() === s,
        'must be at least 16 characters, without surrounding spaces',
      )
      .optional(),
    DISCOVERY_PARTNER_TIMEOUT_MS: int(100, 60_000).default(DEFAULTS.discoveryPartnerTimeoutMs),
    ACTION_EVENTS_POLL_MS: int(20, 10_000).default(DEFAULTS.actionEventsPollMs),
    CONNECTOR_RESILIENCE: connectorResilience().optional(),
    HISTORY_WINDOW_MS: int(1_000, 604_800_000).default(DEFAULTS.historyWindowMs),
    HISTORY_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1–64 characters of letters, digits, ":", "_" or "-"')
      .default(DEFAULTS.historyKeyPrefix),
    APPROVAL_GRANT_TTL_MS: int(60_000, 604_800_000).default(DEFAULTS.approvalGrantTtlMs),
    APPROVAL_SWEEP_INTERVAL_MS: int(1_000, 3_600_000).default(DEFAULTS.approvalSweepIntervalMs),
    JURY_REPORT_WINDOW_DAYS: int(1, 365).default(DEFAULTS.juryReportWindowDays),
    KILL_SWITCH_PREFIX: nonEmpty('a Redis key prefix').default(DEFAULTS.killSwitchPrefix),
    KILL_SWITCH_REFRESH_MS: int(50, 60_000).default(DEFAULTS.killSwitchRefreshMs),
    KILL_SWITCH_STALE_MS: int(100, 600_000).default(DEFAULTS.killSwitchStaleMs),
    KILL_SWITCH_ACK_TIMEOUT_MS: int(100, 600_000).default(DEFAULTS.killSwitchAckTimeoutMs),
    KILL_SWITCH_TWO_PERSON: bool().default(DEFAULTS.killSwitchTwoPerson),
    KILL_SWITCH_RELEASE_REQUEST_TTL_MS: int(10_000, 86_400_000).default(
      DEFAULTS.killSwitchReleaseRequestTtlMs,
    ),
    KILL_SWITCH_HELD_SWEEP_MS: int(1_000, 3_600_000).default(DEFAULTS.killSwitchHeldSweepMs),
    ANOMALY_AUTO_PAUSE: bool().default(DEFAULTS.anomalyAutoPause),
    ANOMALY_REFRESH_THRESHOLD: int(1, 1_000_000).default(DEFAULTS.anomalyRefreshThreshold),
    ANOMALY_REFRESH_WINDOW_MS: int(1_000, 86_400_000).default(DEFAULTS.anomalyRefreshWindowMs),
    LOG_LEVEL: oneOf(LOG_LEVELS).default(DEFAULTS.logLevel),
    ALERT_ROUTES: alertRoutes().optional(),
    ALERT_QUEUE: queueName().default(DEFAULTS.alertQueue),
    ALERT_ATTEMPTS: int(1, 1_000).default(DEFAULTS.alertAttempts),
    ALERT_BACKOFF_MS: int(1, 3_600_000).default(DEFAULTS.alertBackoffMs),
    ALERT_BACKOFF_MAX_MS: int(1, 86_400_000).default(DEFAULTS.alertBackoffMaxMs),
    ALERT_DEDUP_WINDOW_MS: int(1, 86_400_000).default(DEFAULTS.alertDedupWindowMs),
    ALERT_SINK_TIMEOUT_MS: int(100, 120_000).default(DEFAULTS.alertSinkTimeoutMs),
    SLACK_WEBHOOK_URL: url(['https:'], 'an https:// URL (http:// only to localhost)', {
      loopbackHttp: true,
    }).optional(),
    PAGERDUTY_ROUTING_KEY: z
      .string()
      .refine(
        (s) => /^[A-Za-z0-9]{32}$/.test(s),
        'must be the 32-character integration key of an Events API v2 integration',
      )
      .optional(),
    PAGERDUTY_EVENTS_URL: url(['https:'], 'an https:// URL (http:// only to localhost)', {
      loopbackHttp: true,
    }).default(DEFAULTS.pagerdutyEventsUrl),
    ALERT_WEBHOOK_URL: url(['https:'], 'an https:// URL (http:// only to localhost)', {
      loopbackHttp: true,
    }).optional(),
    ALERT_WEBHOOK_SECRET: z
      .string()
      .refine(
        (s) => s.length >= 16 && s.trim() === s,
        'must be at least 16 characters, without surrounding spaces',
      )
      .optional(),
  })
  .superRefine(
    (env, ctx) => {
      const problem = (variable: string, message: string): void => {
        ctx.addIssue({ code: 'custom', path: [variable], message });
      };
      // This runs even when some variable failed (see `when`), so that one start-up reports
      // every problem. A failed variable holds no usable value here: each rule checks the
      // types of what it reads and stays silent when an input is itself already reported.
      const num = (v: unknown): v is number => typeof v === 'number';
      if (env.POLICY_ENGINE === 'wasm' && env.POLICY_WASM_PATH === undefined) {
        problem('POLICY_WASM_PATH', 'required when POLICY_ENGINE is wasm');
      }
      if (Array.isArray(env.ORCHESTRATOR_QUEUES) && env.ORCHESTRATOR_QUEUES.includes(env.DEAD_LETTER_QUEUE)) {
        problem(
          'DEAD_LETTER_QUEUE',
          'must not be one of ORCHESTRATOR_QUEUES (dead jobs would be consumed again)',
        );
      }
      if (typeof env.APPS_SCRIPT_URL === 'string' && env.APPS_SCRIPT_SECRET === undefined) {
        problem('APPS_SCRIPT_SECRET', 'required when APPS_SCRIPT_URL is set (every bridge call is signed)');
      }
      if (typeof env.ALERT_WEBHOOK_URL === 'string' && env.ALERT_WEBHOOK_SECRET === undefined) {
        problem(
          'ALERT_WEBHOOK_SECRET',
          'required when ALERT_WEBHOOK_URL is set (every alert body is signed)',
        );
      }
      if (
        typeof env.ALERT_QUEUE === 'string' &&
        (env.ALERT_QUEUE === env.DEAD_LETTER_QUEUE ||
          (Array.isArray(env.ORCHESTRATOR_QUEUES) && env.ORCHESTRATOR_QUEUES.includes(env.ALERT_QUEUE)))
      ) {
        problem('ALERT_QUEUE', 'must differ from ORCHESTRATOR_QUEUES and DEAD_LETTER_QUEUE');
      }
      if (
        num(env.ALERT_BACKOFF_MS) &&
        num(env.ALERT_BACKOFF_MAX_MS) &&
        env.ALERT_BACKOFF_MAX_MS < env.ALERT_BACKOFF_MS
      ) {
        problem('ALERT_BACKOFF_MAX_MS', `must be at least ALERT_BACKOFF_MS (${env.ALERT_BACKOFF_MS})`);
      }
      if (Array.isArray(env.ALERT_ROUTES)) {
        const configured = new Set<SinkName>(['log']);
        if (env.SLACK_WEBHOOK_URL !== undefined) configured.add('slack');
        if (env.PAGERDUTY_ROUTING_KEY !== undefined) configured.add('pagerduty');
        if (env.ALERT_WEBHOOK_URL !== undefined) configured.add('webhook');
        for (const message of unconfiguredSinkProblems(env.ALERT_ROUTES, configured)) {
          problem('ALERT_ROUTES', message);
        }
      }
      if (typeof env.SHOPIFY_SHOP_DOMAIN === 'string' && env.SHOPIFY_ADMIN_TOKEN === undefined) {
        problem('SHOPIFY_ADMIN_TOKEN', 'required when SHOPIFY_SHOP_DOMAIN is set');
      }
      if (typeof env.SHOPIFY_ADMIN_TOKEN === 'string' && env.SHOPIFY_SHOP_DOMAIN === undefined) {
        problem('SHOPIFY_SHOP_DOMAIN', 'required when SHOPIFY_ADMIN_TOKEN is set (which shop is it for?)');
      }
      if (
        typeof env.PAYMENT_REFUND_WEBHOOK_URL === 'string' &&
        env.PAYMENT_REFUND_WEBHOOK_SECRET === undefined
      ) {
        problem(
          'PAYMENT_REFUND_WEBHOOK_SECRET',
          'required when PAYMENT_REFUND_WEBHOOK_URL is set (every refund request is signed)',
        );
      }
      if (
        num(env.KILL_SWITCH_STALE_MS) &&
        num(env.KILL_SWITCH_REFRESH_MS) &&
        env.KILL_SWITCH_STALE_MS <= env.KILL_SWITCH_REFRESH_MS
      ) {
        problem(
          'KILL_SWITCH_STALE_MS',
          `must exceed KILL_SWITCH_REFRESH_MS (${env.KILL_SWITCH_REFRESH_MS}): every replica would fail closed between reads`,
        );
      }
      if (
        num(env.KILL_SWITCH_ACK_TIMEOUT_MS) &&
        num(env.KILL_SWITCH_STALE_MS) &&
        env.KILL_SWITCH_ACK_TIMEOUT_MS < env.KILL_SWITCH_STALE_MS
      ) {
        problem(
          'KILL_SWITCH_ACK_TIMEOUT_MS',
          `must be at least KILL_SWITCH_STALE_MS (${env.KILL_SWITCH_STALE_MS}): a replica that missed a halt must have stopped itself when the halt returns`,
        );
      }
      if (
        num(env.MAX_COMMAND_BYTES) &&
        num(env.BODY_LIMIT_BYTES) &&
        env.MAX_COMMAND_BYTES > env.BODY_LIMIT_BYTES
      ) {
        problem(
          'MAX_COMMAND_BYTES',
          `must not exceed BODY_LIMIT_BYTES (${env.BODY_LIMIT_BYTES}): such commands could never be received`,
        );
      }
    },
    { when: () => true },
  );

export type ParsedEnv = z.output<typeof ENV_SCHEMA>;

/** Every variable the daemon reads, in schema order. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(ENV_SCHEMA.shape);

/** Variables whose values are never echoed in errors or summaries (URLs may carry passwords). */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'ORCHESTRATOR_AUTH_TOKENS',
  'APPS_SCRIPT_SECRET',
  'APPS_SCRIPT_URL',
  'SHOPIFY_ADMIN_TOKEN',
  'PAYMENT_REFUND_WEBHOOK_URL',
  'PAYMENT_REFUND_WEBHOOK_SECRET',
  'DATABASE_URL',
  'REDIS_URL',
  'SLACK_WEBHOOK_URL',
  'PAGERDUTY_ROUTING_KEY',
  'ALERT_WEBHOOK_URL',
  'ALERT_WEBHOOK_SECRET',
]);
