/**
 * The catalogue of every metric the daemon exposes on `/metrics`: name, type, labels and their
 * values, unit and meaning, grouped by area. `docs/metrics.md` is rendered from it
 * (`npm run docs:metrics`), and `tests/daemon/observability.test.ts` fails when a real scrape
 * and this list disagree, so a metric is added here in the same change that registers it — one
 * `m(…)` entry in its area. Label values are taken from the code's own constants where they
 * exist, so the catalogue cannot drift from them.
 *
 * @example
 * ```ts
 * METRIC_CATALOGUE.find((e) => e.name === 'orchestrator_commands_total')?.type; // 'counter'
 * ```
 */
import { CONNECTOR_ERROR_CODES } from '../bridges/errors.ts';
import { SINK_NAMES } from './alerts/routes.ts';
import { COMMAND_TYPES } from './contract/command.ts';
import { ACTION_STATUSES } from './core/types.ts';
import { PROCESS_METRICS } from './metrics-catalogue-process.ts';
import { type MetricEntry, m } from './metrics-catalogue-types.ts';
import { QUEUE_ROLES } from './metrics.ts';

export {
  METRIC_AREAS,
  type MetricArea,
  type MetricEntry,
  type MetricType,
} from './metrics-catalogue-types.ts';

const list = (values: readonly string[]): string => values.map((v) => `\`${v}\``).join(', ');
const OTHER = '; anything else `other`';
const COMMAND_TYPE = `${list(COMMAND_TYPES)}${OTHER}`;
const CONNECTOR =
  'connector name: a pipeline connector (`integrations`, `checkout`, `discovery`, `sessions`) or, on the `orchestrator_connector_*` resilience series, a bridge (`apps-script`, `shopify-admin`, `payment-webhook`, `shopify-mcp:<partner slug>` — one per discovery partner); at most 64 values, then `other`';
const JUROR = 'juror id from the panel (`JURY_PANEL`), at most 64 values, then `other`';
const CODE = `${list(['ok', ...CONNECTOR_ERROR_CODES])}${OTHER}`;
const QUEUE_STATE = list([
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'paused',
  'completed',
  'failed',
  'waiting-children',
]);

const C = 'Commands and pipeline';
const P = 'Policy';
const J = 'Jury';
const K = 'Connectors';
const A = 'Alerts';
const Q = 'Queues';
const H = 'HTTP';
const S = 'Kill switch';

/** The daemon's own metrics (`orchestrator_*`). */
export const ORCHESTRATOR_METRICS: readonly MetricEntry[] = [
  m(
    C,
    'orchestrator_commands_total',
    'counter',
    'commands',
    { command_type: COMMAND_TYPE, status: list(ACTION_STATUSES) },
    'Commands reaching each status (one increment per transition). `rate(…{status="QUEUED"})` is intake throughput; terminal statuses are SUCCESS, FAILED, BLOCKED, REJECTED, NEEDS_APPROVAL, EXPIRED.',
  ),
  m(
    C,
    'orchestrator_stage_duration_seconds',
    'histogram',
    'seconds',
    { stage: `${list(['validate', 'policy', 'ledger', 'execute', 'total'])}${OTHER}` },
    'Time spent in each pipeline stage; `total` is from taking the job to its terminal status.',
  ),
  m(
    C,
    'orchestrator_connector_calls_total',
    'counter',
    'calls',
    { connector: CONNECTOR, outcome: list(['ok', 'error']) },
    'Commands executed by a connector, by outcome as the pipeline saw it (one per EXECUTING → SUCCESS/FAILED).',
  ),
  m(
    C,
    'orchestrator_connector_duration_seconds',
    'histogram',
    'seconds',
    { connector: CONNECTOR },
    'Execute-stage time per connector as the pipeline saw it (the whole connector call).',
  ),
  m(
    P,
    'orchestrator_policy_decisions_total',
    'counter',
    'decisions',
    {
      command_type: COMMAND_TYPE,
      action: list(['allow', 'judge', 'block']),
      risk: list(['LOW', 'MEDIUM', 'HIGH']),
    },
    'Policy decisions by action and effective risk.',
  ),
  m(
    P,
    'orchestrator_policy_eval_seconds',
    'histogram',
    'seconds',
    {},
    'Policy evaluation time per decision (compiled Rego: tens of microseconds).',
  ),
  m(
    P,
    'orchestrator_policy_revision_info',
    'gauge',
    'info (always 1)',
    {
      engine: list(['rego', 'wasm']),
      revision: 'revision hash of the policy in force (one series per engine)',
    },
    'The policy revision in force; the series changes when a reload succeeds.',
  ),
  m(
    P,
    'orchestrator_policy_reload_failures_total',
    'counter',
    'reloads',
    {},
    'Policy edits refused (compile error or failing policy tests); the last good policy kept running.',
  ),
  m(
    J,
    'orchestrator_jury_votes_total',
    'counter',
    'votes',
    {
      juror: JUROR,
      vote: `${list(['approve', 'reject', 'timeout', 'error', 'invalid', 'refused', 'not_needed'])}${OTHER}`,
    },
    'Jury votes: a verdict, or why the juror gave none.',
  ),
  m(
    J,
    'orchestrator_jury_outcomes_total',
    'counter',
    'panels',
    { outcome: list(['approve', 'needs_approval']) },
    'Panel outcomes: approved (executed) or sent to a person.',
  ),
  m(
    J,
    'orchestrator_jury_disagreements_total',
    'counter',
    'panels',
    {},
    'Panels whose jurors returned both approve and reject.',
  ),
  m(
    J,
    'orchestrator_juror_duration_seconds',
    'histogram',
    'seconds',
    { juror: JUROR },
    'Time each juror took to answer (or to be cut off).',
  ),
  m(J, 'orchestrator_jury_duration_seconds', 'histogram', 'seconds', {}, 'Wall time of a whole panel run.'),
  m(
    J,
    'orchestrator_jury_tokens_total',
    'counter',
    'tokens',
    { juror: JUROR, kind: list(['prompt', 'completion']) },
    'LLM tokens used by jurors.',
  ),
  m(
    J,
    'orchestrator_jury_cost_usd_total',
    'counter',
    'USD',
    { juror: JUROR },
    'Estimated cost of jury calls in US dollars.',
  ),
  m(
    J,
    'orchestrator_jury_reviews',
    'gauge',
    'reviews',
    {},
    'Commands both the jury and a person decided, over `JURY_REPORT_WINDOW_DAYS` (read from the ledger at most once a minute).',
  ),
  m(
    J,
    'orchestrator_jury_agreement_ratio',
    'gauge',
    'ratio 0–1',
    {},
    'Share of reviews where the jury and the person agreed (NaN with no reviews).',
  ),
  m(
    J,
    'orchestrator_jury_cohen_kappa',
    'gauge',
    'kappa −1–1',
    {},
    "Cohen's kappa between jury and people (NaN when undefined).",
  ),
  m(
    J,
    'orchestrator_jury_override_ratio',
    'gauge',
    'ratio 0–1',
    {},
    'Share of reviews where the person decided against the jury.',
  ),
  m(
    J,
    'orchestrator_jury_dissent_ratio',
    'gauge',
    'ratio 0–1',
    {},
    'Share of reviewed panels whose jurors split.',
  ),
  m(
    K,
    'orchestrator_connector_requests_total',
    'counter',
    'calls',
    { connector: CONNECTOR, code: CODE },
    'Connector calls after retries, by outcome code (`ok` or the error envelope code).',
  ),
  m(
    K,
    'orchestrator_connector_attempts_total',
    'counter',
    'attempts',
    { connector: CONNECTOR, code: CODE },
    'Connector attempts (every retry counts), by outcome code.',
  ),
  m(
    K,
    'orchestrator_connector_request_duration_seconds',
    'histogram',
    'seconds',
    { connector: CONNECTOR },
    'Connector call latency, retries and rate-limit waits included.',
  ),
  m(
    K,
    'orchestrator_connector_attempt_duration_seconds',
    'histogram',
    'seconds',
    { connector: CONNECTOR },
    'Latency of one connector attempt.',
  ),
  m(
    K,
    'orchestrator_connector_breaker_state',
    'gauge',
    'state (0 closed, 1 half-open, 2 open)',
    { connector: CONNECTOR },
    'Circuit breaker state; absent until the connector made its first call.',
  ),
  m(
    K,
    'orchestrator_connector_rate_limit_wait_seconds',
    'histogram',
    'seconds',
    { connector: CONNECTOR },
    'Time calls waited for a slot of the shared (Redis) rate limit.',
  ),
  m(
    K,
    'orchestrator_connector_rate_limit_refusals_total',
    'counter',
    'calls',
    { connector: CONNECTOR },
    'Calls refused by the shared rate limit (no slot within the maximum wait).',
  ),
  m(
    A,
    'orchestrator_alerts_total',
    'counter',
    'alerts',
    {
      kind: 'alert kind (`blocked`, `needs_approval`, `jury_unavailable`, `policy_reload_failed`, `policy_error`, `outcome_unknown`, `history_unavailable`, `approval_expired`, …), at most 64 values, then `other`',
      severity: list(['critical', 'high', 'warning', 'info']),
    },
    'Alerts raised (before routing and delivery).',
  ),
  m(
    A,
    'orchestrator_alert_deliveries_total',
    'counter',
    'attempts',
    {
      sink: list(SINK_NAMES),
      action: list(['trigger', 'resolve']),
      outcome: list(['delivered', 'retried', 'failed']),
    },
    'Alert delivery attempts; `retried` means the sink was unavailable and the job will try again, `failed` that the sink rejected it or attempts ran out.',
  ),
  m(
    A,
    'orchestrator_alert_delivery_seconds',
    'histogram',
    'seconds',
    { sink: list(SINK_NAMES) },
    'Time from an alert being raised to a sink accepting it, retries included.',
  ),
  m(
    A,
    'orchestrator_alert_duplicates_suppressed_total',
    'counter',
    'alerts',
    { sink: list(SINK_NAMES) },
    'Alerts not delivered because the same dedup key went to that sink within `ALERT_DEDUP_WINDOW_MS`.',
  ),
  m(
    A,
    'orchestrator_alert_enqueue_failures_total',
    'counter',
    'alerts',
    {},
    'Alerts that could not be queued (Redis unavailable) and went to the daemon log only.',
  ),
  m(
    Q,
    'orchestrator_queue_jobs',
    'gauge',
    'jobs',
    {
      queue: 'queue name from `ORCHESTRATOR_QUEUES`, `DEAD_LETTER_QUEUE` or `ALERT_QUEUE`',
      role: list(QUEUE_ROLES),
      state: QUEUE_STATE,
    },
    'Jobs in each BullMQ queue by state, read from Redis at scrape time (every replica reports the same shared queues: aggregate with `max`, not `sum`).',
  ),
  m(
    Q,
    'orchestrator_queue_collect_failures_total',
    'counter',
    'scrapes',
    { queue: 'queue name' },
    'Scrapes that left a queue out of `orchestrator_queue_jobs` because Redis did not answer within 1 s.',
  ),
  m(
    H,
    'orchestrator_http_requests_total',
    'counter',
    'requests',
    {
      method: list(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']),
      route: 'route pattern (`/v1/actions/:action_id`, never the raw URL) or `unmatched`',
      status: 'HTTP status code',
    },
    'HTTP answers of the API.',
  ),
  m(
    S,
    'orchestrator_poller_paused',
    'gauge',
    'boolean',
    {},
    '1 while every command queue is paused (`orchestrator pause`, or the anomaly detector), else 0. Queued commands wait; in-flight ones finish.',
  ),
  m(
    S,
    'orchestrator_kill_switch_master_halted',
    'gauge',
    'boolean',
    {},
    '1 while the master switch is halted — or while this replica cannot read the switch (it then executes nothing: fail closed) — else 0.',
  ),
  m(
    S,
    'orchestrator_kill_switch_scoped_halts',
    'gauge',
    'halts',
    {},
    'Scoped halts in force (by connector, command type or agent).',
  ),
  m(
    S,
    'orchestrator_kill_switch_version',
    'gauge',
    'version',
    {},
    'Version of the switch state this replica applied; replicas that disagree for long have not acknowledged a flip. NaN before the first read.',
  ),
  m(
    S,
    'orchestrator_kill_switch_stale',
    'gauge',
    'boolean',
    {},
    '1 when this replica could not read the switch within `KILL_SWITCH_STALE_MS`: it executes nothing until it can.',
  ),
  m(
    S,
    'orchestrator_held_actions',
    'gauge',
    'actions',
    {},
    'Actions kept HELD by the kill switch, waiting for a release (counted up to 10,000; NaN when the ledger cannot answer).',
  ),
];

/** Every metric on `/metrics`, in catalogue order. */
export const METRIC_CATALOGUE: readonly MetricEntry[] = [...ORCHESTRATOR_METRICS, ...PROCESS_METRICS];
