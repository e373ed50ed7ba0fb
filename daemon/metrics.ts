/**
 * Prometheus metrics. The pipeline never calls this module: it announces events on the bus and
 * {@link Metrics.attach} subscribes, so a metric can be added without touching the pipeline.
 *
 * Every label value comes from a closed set (statuses, policy actions, risks, stages, severities)
 * or is passed through a bounded guard ({@link LabelGuard}): a label minted from what an agent
 * wrote would let any agent grow the daemon's memory and the Prometheus database without bound.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * const detach = metrics.attach(bus, { queues: [queue] });
 * app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));
 * ```
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from './core/events.ts';
import { ACTION_STATUSES } from './core/types.ts';
import { createConnectorMetrics } from './metrics-connectors.ts';

/**
 * What a queue is for: alert rules and dashboards select by role, so they keep working whatever
 * the queues are named in `ORCHESTRATOR_QUEUES`, `DEAD_LETTER_QUEUE` and `ALERT_QUEUE`.
 */
export const QUEUE_ROLES = ['commands', 'dead_letter', 'alerts'] as const;
export type QueueRole = (typeof QUEUE_ROLES)[number];

/** What the queue gauge needs of a BullMQ `Queue`. */
export interface QueueLike {
  readonly name: string;
  /** @defaultValue 'commands' */
  readonly role?: QueueRole;
  getJobCounts(): Promise<Record<string, number>>;
}

/**
 * prom-client default metrics whose names break the Prometheus naming rules (`promtool check
 * metrics`: a gauge must not end in `_total`). They are removed from the registry; each is the
 * sum of the labelled gauge of the same name without `_total` (`sum(nodejs_active_handles)`).
 */
export const NONCONFORMING_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export interface MetricsOptions {
  /**
   * The command types the contract knows. When given, any other value is reported as `other`.
   * @defaultValue undefined — then values are checked by pattern and capped at `maxLabelValues`.
   */
  readonly commandTypes?: readonly string[];
  /**
   * Distinct values one open label (command type, connector, alert kind) may take before further
   * values are reported as `other`.
   * @defaultValue 64
   */
  readonly maxLabelValues?: number;
  /**
   * How long a scrape waits for one queue's job counts before leaving that queue out.
   * @defaultValue 1000 (ms)
   */
  readonly queueTimeoutMs?: number;
  /**
   * Also export Node.js process metrics (`process_*`, `nodejs_*`).
   * @defaultValue true
   */
  readonly defaultMetrics?: boolean;
}

export const METRICS_DEFAULTS = {
  maxLabelValues: 64, // distinct values per open label
  queueTimeoutMs: 1_000, // per queue, per scrape
  defaultMetrics: true,
} as const;

export interface Metrics {
  /** This instance's own registry (never prom-client's global one, so tests and daemons don't collide). */
  readonly registry: Registry;
  /** `Content-Type` of {@link Metrics.render}'s output. */
  readonly contentType: string;
  /**
   * Subscribes to the bus; `queues` are counted on every scrape. Returns a function that
   * unsubscribes and forgets the queues. Attaching a bus that is already attached only adds the
   * queues, so the daemon can attach before the policy loads (to see its first `policy.loaded`)
   * and add queues later without counting events twice.
   */
  attach(bus: EventBus, opts?: { readonly queues?: readonly QueueLike[] }): () => void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** Counts one HTTP answer; `route` is the route pattern (`/v1/actions/:action_id`), never the raw URL. */
  observeHttp(method: string, route: string, status: number): void;
}

const OTHER = 'other';
const LABEL_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** A connector, or one partner of a fan-out connector (`shopify-mcp:<slug>`). */
const CONNECTOR_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/;
const ROUTE_PATTERN = /^(\/[A-Za-z0-9_:*.-]*){1,16}$|^unmatched$/;

/**
 * Keeps an open label bounded: values outside the allow-list, malformed, or beyond the cap
 * become `other`.
 *
 * @example
 * ```ts
 * const g = new LabelGuard(2);
 * [g.value('A'), g.value('B'), g.value('C'), g.value('A')]; // → ['A', 'B', 'other', 'A']
 * ```
 */
export class LabelGuard {
  private readonly seen = new Set<string>();
  private readonly max: number;
  private readonly allowed: ReadonlySet<string> | undefined;
  private readonly pattern: RegExp;

  constructor(max: number, opts: { readonly allowed?: readonly string[]; readonly pattern?: RegExp } = {}) {
    this.max = max;
    this.allowed = opts.allowed ? new Set(opts.allowed) : undefined;
    this.pattern = opts.pattern ?? LABEL_PATTERN;
  }

  value(v: string): string {
    if (this.allowed) return this.allowed.has(v) ? v : OTHER;
    if (this.seen.has(v)) return v;
    if (!this.pattern.test(v) || this.seen.size >= this.max) return OTHER;
    this.seen.add(v);
    return v;
  }
}

function closed<T extends string>(values: readonly T[]): (v: string) => string {
  const set = new Set<string>(values);
  return (v) => (set.has(v) ? v : OTHER);
}

const statusLabel = closed(ACTION_STATUSES);
const actionLabel = closed(['allow', 'judge', 'block']);
const riskLabel = closed(['LOW', 'MEDIUM', 'HIGH']);
const stageLabel = closed(['validate', 'policy', 'ledger', 'execute', 'total']);
const severityLabel = closed(['critical', 'high', 'warning', 'info']);
const engineLabel = closed(['rego', 'wasm']);
const methodLabel = closed(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Seconds; pipeline stages run from sub-millisecond (validate) to seconds (execute, total). */
const STAGE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a compiled Rego decision takes tens of microseconds. */
const POLICY_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05,
];
/** Seconds; bridge calls cross the network (Apps Script answers in hundreds of ms). */
const CONNECTOR_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Creates the daemon's metrics on a fresh registry.
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ commandTypes: COMMAND_TYPES });
 * metrics.attach(bus, { queues: [...queues.values()] });
 * const text = await metrics.render(); // orchestrator_commands_total{command_type="…",status="QUEUED"} 1 …
 * ```
 */
const VOTES = new Set(['approve', 'reject', 'timeout', 'error', 'invalid', 'refused', 'not_needed']);
/** Vote labels come from a closed set. */
function voteLabel(v: string): string {
  return VOTES.has(v) ? v : 'other';
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const maxLabelValues = opts.maxLabelValues ?? METRICS_DEFAULTS.maxLabelValues;
  const queueTimeoutMs = opts.queueTimeoutMs ?? METRICS_DEFAULTS.queueTimeoutMs;
  const registry = new Registry();
  if (opts.defaultMetrics ?? METRICS_DEFAULTS.defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    for (const name of NONCONFORMING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const registers = [registry];

  const commandType = new LabelGuard(maxLabelValues, opts.commandTypes ? { allowed: opts.commandTypes } : {});
  const connectorName = new LabelGuard(maxLabelValues, { pattern: CONNECTOR_PATTERN });
  const alertKind = new LabelGuard(maxLabelValues);
  const jurorName = new LabelGuard(maxLabelValues);
  const routeName = new LabelGuard(maxLabelValues, { pattern: ROUTE_PATTERN });

  const commands = new Counter({
    name: 'orchestrator_commands_total',
    help: 'Commands reaching each status, by command type.',
    labelNames: ['command_type', 'status'] as const,
    registers,
  });
  const decisions = new Counter({
    name: 'orchestrator_policy_decisions_total',
    help: 'Policy decisions by command type, action (allow|judge|block) and effective risk.',
    labelNames: ['command_type', 'action', 'risk'] as const,
    registers,
  });
  const stageDuration = new Histogram({
    name: 'orchestrator_stage_duration_seconds',
    help: 'Time spent in each pipeline stage.',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers,
  });
  const policyEval = new Histogram({
    name: 'orchestrator_policy_eval_seconds',
    help: 'Policy evaluation time per decision.',
    buckets: POLICY_BUCKETS,
    registers,
  });
  const connectorCalls = new Counter({
    name: 'orchestrator_connector_calls_total',
    help: 'Connector calls by connector and outcome (ok|error).',
    labelNames: ['connector', 'outcome'] as const,
    registers,
  });
  const connectorDuration = new Histogram({
    name: 'orchestrator_connector_duration_seconds',
    help: 'Connector call duration.',
    labelNames: ['connector'] as const,
    buckets: CONNECTOR_BUCKETS,
    registers,
  });
  const revisionInfo = new Gauge({
    name: 'orchestrator_policy_revision_info',
    help: 'The policy revision in force (value 1), by engine.',
    labelNames: ['engine', 'revision'] as const,
    registers,
  });
  const reloadFailures = new Counter({
    name: 'orchestrator_policy_reload_failures_total',
    help: 'Policy edits refused (compile error or failing policy tests); the last good policy kept running.',
    registers,
  });
  const juryVotes = new Counter({
    name: 'orchestrator_jury_votes_total',
    help: 'Jury votes, by juror and vote (approve, reject, or why there was no verdict: timeout, error, invalid, refused, not_needed).',
    labelNames: ['juror', 'vote'] as const,
    registers,
  });
  const juryOutcomes = new Counter({
    name: 'orchestrator_jury_outcomes_total',
    help: 'Panel outcomes: approve (executed) or needs_approval (sent to a person).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const juryDisagreements = new Counter({
    name: 'orchestrator_jury_disagreements_total',
    help: 'Panels whose jurors returned both approve and reject verdicts.',
    registers,
  });
  const jurorLatency = new Histogram({
    name: 'orchestrator_juror_duration_seconds',
    help: 'Time each juror took to answer (or to be cut off).',
    labelNames: ['juror'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
    registers,
  });
  const juryWall = new Histogram({
    name: 'orchestrator_jury_duration_seconds',
    help: 'Wall time of a whole panel run.',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
    registers,
  });
  const juryTokens = new Counter({
    name: 'orchestrator_jury_tokens_total',
    help: 'Tokens used by jurors, by juror and kind (prompt, completion).',
    labelNames: ['juror', 'kind'] as const,
    registers,
  });
  const juryCost = new Counter({
    name: 'orchestrator_jury_cost_usd_total',
    help: 'Estimated cost of jury calls in US dollars, by juror.',
    labelNames: ['juror'] as const,
    registers,
  });
  const alerts = new Counter({
    name: 'orchestrator_alerts_total',
    help: 'Alerts raised, by kind and severity.',
    labelNames: ['kind', 'severity'] as const,
    registers,
  });
  const http = new Counter({
    name: 'orchestrator_http_requests_total',
    help: 'HTTP answers by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const queues = new Set<QueueLike>();
  // The registry starts reading every metric at once, in registration order; the failure
  // counter (registered after the gauge) waits for the gauge's reading, so a failure shows up in
  // the same scrape that missed the queue.
  let reading: Promise<void> = Promise.resolve();
  const queueJobs: Gauge<'queue' | 'role' | 'state'> = new Gauge({
    name: 'orchestrator_queue_jobs',
    help: 'Jobs in each BullMQ queue by role (commands, dead_letter, alerts) and state, read at scrape time.',
    labelNames: ['queue', 'role', 'state'] as const,
    registers,
    // A scrape must answer even when Redis does not: each queue gets `queueTimeoutMs`, and a
    // queue that misses it is left out of this scrape (absent, not stale) and counted.
    collect() {
      queueJobs.reset();
      reading = Promise.all(
        [...queues].map(async (q) => {
          try {
            const counts = await withTimeout(q.getJobCounts(), queueTimeoutMs);
            const role = q.role ?? 'commands';
            for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue: q.name, role, state }, n);
          } catch {
            queueCollectFailures.inc({ queue: q.name });
          }
        }),
      ).then(() => undefined);
      return reading;
    },
  });
  const queueCollectFailures = new Counter({
    name: 'orchestrator_queue_collect_failures_total',
    help: 'Scrapes that left a queue out of orchestrator_queue_jobs because Redis did not answer in time.',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      await reading;
    },
  });

  const observeConnector = createConnectorMetrics(registers, connectorName);
  const currentRevision = new Map<string, string>();
  const buses = new Set<EventBus>();

  return {
    registry,
    contentType: registry.contentType,
    attach(bus, attachOpts = {}) {
      const added = (attachOpts.queues ?? []).filter((q) => !queues.has(q));
      for (const q of added) queues.add(q);
      if (buses.has(bus)) {
        return () => {
          for (const q of added) queues.delete(q);
        };
      }
      buses.add(bus);
      const offs = [
        bus.on('transition', (e) => {
          commands.inc({ command_type: commandType.value(e.commandType), status: statusLabel(e.to) });
        }),
        bus.on('decided', (e) => {
          decisions.inc({
            command_type: commandType.value(e.commandType),
            action: actionLabel(e.decision.action),
            risk: riskLabel(e.decision.risk),
          });
          policyEval.observe(e.decision.evalMicros / 1e6);
        }),
        bus.on('stage', (e) => {
          stageDuration.observe({ stage: stageLabel(e.stage) }, e.ms / 1e3);
        }),
        bus.on('executed', (e) => {
          const connector = connectorName.value(e.connector);
          connectorCalls.inc({ connector, outcome: e.ok ? 'ok' : 'error' });
          connectorDuration.observe({ connector }, e.ms / 1e3);
        }),
        bus.on('connector.resilience', observeConnector),
        bus.on('policy.loaded', (e) => {
          const engine = engineLabel(e.engine);
          const previous = currentRevision.get(engine);
          // An info metric shows only what is in force: the old revision's series goes away.
          if (previous !== undefined) revisionInfo.remove({ engine, revision: previous });
          currentRevision.set(engine, e.revision);
          revisionInfo.set({ engine, revision: e.revision }, 1);
        }),
        bus.on('policy.reload_failed', () => {
          reloadFailures.inc();
        }),
        bus.on('alert', (e) => {
          alerts.inc({ kind: alertKind.value(e.kind), severity: severityLabel(e.alert.severity) });
        }),
        bus.on('judged', (e) => {
          juryOutcomes.inc({ outcome: e.outcome === 'approve' ? 'approve' : 'needs_approval' });
          juryWall.observe(e.wallMs / 1e3);
          const verdicts = new Set(e.votes.map((v) => v.verdict).filter((v) => v !== null));
          if (verdicts.size > 1) juryDisagreements.inc();
          for (const v of e.votes) {
            const juror = jurorName.value(v.juror);
            juryVotes.inc({ juror, vote: voteLabel(v.verdict ?? v.status) });
            jurorLatency.observe({ juror }, v.latencyMs / 1e3);
            juryTokens.inc({ juror, kind: 'prompt' }, v.tokens.prompt);
            juryTokens.inc({ juror, kind: 'completion' }, v.tokens.completion);
            juryCost.inc({ juror }, v.costUsd);
          }
        }),
      ];
      return () => {
        for (const off of offs) off();
        buses.delete(bus);
        for (const q of added) queues.delete(q);
      };
    },
    render: () => registry.metrics(),
    observeHttp(method, route, status) {
      http.inc({ method: methodLabel(method), route: routeName.value(route), status: String(status) });
    },
  };
}
