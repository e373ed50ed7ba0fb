/**
 * The alert service: turns the bus's `alert` events into deliveries. Each alert is routed to
 * its sinks and queued as one BullMQ job per (alert, sink) on its own queue, after a Redis
 * `SET NX PX` on the dedup key per sink: a repeat inside the window is suppressed and counted.
 * The worker (worker.ts) delivers with retries, so a sink outage delays alerts but loses none.
 *
 * Raising never blocks or throws into the pipeline: the producer connection does not queue
 * commands while Redis is away (it fails at once), each raise has a deadline, and an alert that
 * cannot be queued is written to the log at error level and counted instead.
 */
import { type ConnectionOptions, Queue, type Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventBus } from '../core/events.ts';
import { AlertErrors } from '../errors/alerts.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { type DeliveryJob, dedupRedisKey, resolveJobId, triggerJobId } from './jobs.ts';
import { type AlertMetrics, createAlertMetrics } from './metrics.ts';
import {
  type Alert,
  type AlertInput,
  AlertSchema,
  alertFromEvent,
  createAlert,
  parseAlert,
} from './model.ts';
import { type AlertRoute, DEFAULT_ROUTES, route, type SinkName } from './routes.ts';
import type { Sink } from './sinks/types.ts';
import { BACKOFF_TYPE, startDeliveryWorker } from './worker.ts';

export interface AlertServiceOptions {
  /** Redis connection options (host, port, password…), as for the command queues. */
  readonly connection: RedisOptions;
  /** @defaultValue 'orchestrator-alerts' */
  readonly queueName?: string;
  /** The configured sinks; the log sink should always be one of them. */
  readonly sinks: readonly Sink[];
  /** @defaultValue DEFAULT_ROUTES */
  readonly routes?: readonly AlertRoute[] | undefined;
  /** @defaultValue 300_000 (ms) */
  readonly dedupWindowMs?: number;
  /** Delivery attempts per (alert, sink), the first included. @defaultValue 25 */
  readonly attempts?: number;
  /** First retry delay, doubled per attempt up to `backoffMaxMs`. @defaultValue 1_000 (ms) */
  readonly backoffMs?: number;
  /** @defaultValue 300_000 (ms) */
  readonly backoffMaxMs?: number;
  /** Deliveries in flight at once per daemon. @defaultValue 4 */
  readonly concurrency?: number;
  /** Longest a raise may wait for Redis before the alert goes to the log instead. @defaultValue 2_000 (ms) */
  readonly enqueueTimeoutMs?: number;
  /** Raises waiting for Redis at once; beyond it alerts go straight to the log. @defaultValue 1_000 */
  readonly maxPending?: number;
  /** Where the delivery metrics are registered (the daemon's `metrics.registry`). */
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export const ALERT_SERVICE_DEFAULTS = {
  queueName: 'orchestrator-alerts',
  dedupWindowMs: 300_000, // five minutes
  attempts: 25, // with the defaults below: about 8 minutes of doubling, then every 5 minutes (~90 minutes)
  backoffMs: 1_000, // first retry delay
  backoffMaxMs: 300_000, // ceiling of the retry delay
  concurrency: 4, // deliveries in flight per daemon
  enqueueTimeoutMs: 2_000, // per raise
  maxPending: 1_000, // raises waiting for Redis
} as const;

/** What became of one raise, per sink. */
export interface RaiseResult {
  readonly alert: Alert;
  readonly queued: readonly SinkName[];
  readonly suppressed: readonly SinkName[];
  readonly failed: readonly SinkName[];
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class AlertService {
  readonly queueName: string;
  private readonly o: AlertServiceOptions;
  private readonly sinks: ReadonlyMap<SinkName, Sink>;
  private readonly configured: ReadonlySet<SinkName>;
  private readonly routes: readonly AlertRoute[];
  private readonly metrics: AlertMetrics;
  private readonly queue: Queue;
  private readonly redis: Redis;
  private readonly abort = new AbortController();
  private worker: Worker | undefined;
  private pending = 0;
  private closed: Promise<void> | undefined;

  /**
   * @example
   * ```ts
   * const alerts = new AlertService({ connection, sinks: [createLogSink(logger)], registry, logger });
   * await alerts.ready();
   * alerts.attach(bus);
   * alerts.start();
   * ```
   */
  constructor(opts: AlertServiceOptions) {
    this.o = opts;
    this.queueName = opts.queueName ?? ALERT_SERVICE_DEFAULTS.queueName;
    this.sinks = new Map(opts.sinks.map((s) => [s.name, s]));
    this.configured = new Set(this.sinks.keys());
    this.routes = opts.routes ?? DEFAULT_ROUTES;
    this.metrics = createAlertMetrics(opts.registry);
    // Fail fast while Redis is away (BullMQ's "failing fast when Redis is down" pattern): the
    // pipeline must not wait for an alert, and the log takes the alert instead.
    const producer: RedisOptions = { ...opts.connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    this.queue = new Queue(this.queueName, { connection: producer as ConnectionOptions });
    this.queue.on('error', (err) => opts.logger.warn({ err: err.message }, 'alert queue error'));
    this.redis = new Redis({ ...producer, lazyConnect: false });
    this.redis.on('error', () => {});
  }

  /** Jobs in the delivery queue by state, for the queue gauge (a growing backlog means a sink is down). */
  getJobCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  /**
   * Puts deliveries that used up their attempts (a sink down for longer than the backoff
   * covers, or one that refused them) back in line, oldest first; they are sent again with
   * fresh attempts. Returns how many were retried.
   *
   * @example
   * ```ts
   * await alerts.retryFailed(); // → 12, after Slack came back from a long outage
   * ```
   */
  async retryFailed(limit = 1_000): Promise<number> {
    const failed = await this.queue.getFailed(0, Math.max(0, limit - 1));
    let retried = 0;
    for (const job of failed.reverse()) {
      await job.retry('failed');
      retried++;
    }
    return retried;
  }

  /** Resolves once the producer side can reach Redis. */
  async ready(): Promise<void> {
    await this.queue.waitUntilReady();
    if (this.redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        this.redis.once('ready', () => resolve());
        this.redis.once('end', () => reject(new Error('alert dedup connection closed')));
      });
    }
  }

  /** Starts the delivery worker in this process. */
  start(): void {
    if (this.worker) return;
    this.worker = startDeliveryWorker({
      queueName: this.queueName,
      connection: { ...this.o.connection, maxRetriesPerRequest: null } as ConnectionOptions,
      sinks: this.sinks,
      metrics: this.metrics,
      logger: this.o.logger,
      concurrency: this.o.concurrency ?? ALERT_SERVICE_DEFAULTS.concurrency,
      backoffMs: this.backoffMs,
      backoffMaxMs: this.o.backoffMaxMs ?? ALERT_SERVICE_DEFAULTS.backoffMaxMs,
      signal: this.abort.signal,
      jobState: (id) => this.queue.getJobState(id),
    });
  }

  /** Waits until the worker takes jobs. */
  async workerReady(): Promise<void> {
    await this.worker?.waitUntilReady();
  }

  private get backoffMs(): number {
    return this.o.backoffMs ?? ALERT_SERVICE_DEFAULTS.backoffMs;
  }

  /**
   * Subscribes to the bus's `alert` events. The subscriber never throws and never waits: a bad
   * or undeliverable alert is logged, and the emitter carries on.
   */
  attach(bus: EventBus): () => void {
    return bus.on('alert', (e) => {
      let alert: Alert;
      try {
        alert = alertFromEvent(e, this.o.now);
      } catch (err) {
        this.o.logger.error(
          { code: AlertErrors.INVALID.code, kind: e.kind, error: (err as Error).message },
          'alert dropped: it does not fit the alert model',
        );
        return;
      }
      void this.raise(alert).catch(() => {});
    });
  }

  /**
   * Routes and queues an alert: one job per sink, unless the same dedup key was queued for that
   * sink within the window. Never rejects for Redis trouble: sinks it could not queue for are in
   * `failed`, and the alert is in the log. Rejects only for an input that is not an alert.
   *
   * @example
   * ```ts
   * const r = await alerts.raise({ kind: 'blocked', severity: 'high', summary: 'Blocked …',
   *   details: { agent: 'agent-7', service: 'shopify' }, teams: ['security'] });
   * r.queued; // ['log', 'pagerduty', 'slack']
   * ```
   */
  async raise(input: AlertInput | Alert): Promise<RaiseResult> {
    const alert =
      'dedupKey' in input && 'createdAt' in input && input.dedupKey && input.createdAt
        ? parseAlert(input)
        : createAlert(input, this.o.now);
    const sinks = route(alert, this.routes, this.configured);
    const result = {
      alert,
      queued: [] as SinkName[],
      suppressed: [] as SinkName[],
      failed: [] as SinkName[],
    };
    const max = this.o.maxPending ?? ALERT_SERVICE_DEFAULTS.maxPending;
    if (this.pending >= max) {
      this.enqueueFailed(alert, sinks, `more than ${max} alerts already waiting for Redis`);
      return { ...result, failed: sinks };
    }
    this.pending++;
    try {
      const timeout = this.o.enqueueTimeoutMs ?? ALERT_SERVICE_DEFAULTS.enqueueTimeoutMs;
      const outcomes = await Promise.allSettled(
        sinks.map((sink) => withTimeout(this.enqueueTrigger(alert, sink), timeout, 'queueing the alert')),
      );
      outcomes.forEach((o, i) => {
        const sink = sinks[i]!;
        if (o.status === 'rejected') result.failed.push(sink);
        else if (o.value) result.queued.push(sink);
        else {
          result.suppressed.push(sink);
          this.metrics.suppressed(sink);
        }
      });
      if (result.failed.length > 0) {
        const first = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        this.enqueueFailed(alert, result.failed, (first.reason as Error)?.message ?? String(first.reason));
      }
      if (result.suppressed.length > 0) {
        this.o.logger.debug(
          { dedupKey: alert.dedupKey, sinks: result.suppressed },
          'duplicate alert suppressed',
        );
      }
      return result;
    } finally {
      this.pending--;
    }
  }

  /** True when queued, false when suppressed as a duplicate. */
  private async enqueueTrigger(alert: Alert, sink: SinkName): Promise<boolean> {
    const key = dedupRedisKey(this.queueName, sink, alert.dedupKey);
    const jobId = triggerJobId(sink, alert.dedupKey, alert.createdAt);
    const window = this.o.dedupWindowMs ?? ALERT_SERVICE_DEFAULTS.dedupWindowMs;
    const set = await this.redis.set(key, jobId, 'PX', window, 'NX');
    if (set === null) return false;
    try {
      await this.add('trigger', { action: 'trigger', sink, alert }, jobId);
    } catch (err) {
      // Not queued: the next raise of this alert must not be suppressed by this attempt.
      await this.redis.del(key).catch(() => {});
      throw err;
    }
    return true;
  }

  private add(name: 'trigger' | 'resolve', data: DeliveryJob, jobId: string): Promise<unknown> {
    return this.queue.add(name, data, {
      jobId,
      attempts: this.o.attempts ?? ALERT_SERVICE_DEFAULTS.attempts,
      backoff: { type: BACKOFF_TYPE, delay: this.backoffMs },
      removeOnComplete: { age: 86_400, count: 10_000 },
      // Failed deliveries stay for a person to inspect and retry.
      removeOnFail: false,
    });
  }

  private enqueueFailed(alert: Alert, sinks: readonly SinkName[], reason: string): void {
    this.metrics.enqueueFailed();
    const e = new OrchestratorError(AlertErrors.ENQUEUE_FAILED, {
      dedupKey: alert.dedupKey,
      sink: sinks.join(','),
      reason,
    });
    // The log is the last resort: the alert itself goes there in full.
    this.o.logger.error({ code: e.code, alert, sinks }, e.message);
  }

  /**
   * Closes the incident with this dedup key on every configured sink that has incidents
   * (PagerDuty, the webhook, the log), after its trigger if that is still queued; and forgets
   * the dedup records, so the next occurrence pages again. Rejects when Redis is unavailable.
   *
   * @example
   * ```ts
   * await alerts.resolve('blocked:agent-7:shopify:r-1'); // ['log', 'pagerduty']
   * ```
   */
  async resolve(dedupKey: string): Promise<SinkName[]> {
    AlertSchema.shape.dedupKey.parse(dedupKey);
    const at = (this.o.now ?? (() => new Date()))().getTime();
    const timeout = this.o.enqueueTimeoutMs ?? ALERT_SERVICE_DEFAULTS.enqueueTimeoutMs;
    const sinks = [...this.sinks.values()].filter((s) => s.resolve).map((s) => s.name);
    await Promise.all(
      sinks.map(async (sink) => {
        const key = dedupRedisKey(this.queueName, sink, dedupKey);
        const trigger = await withTimeout(this.redis.get(key), timeout, 'reading the dedup record');
        const data: DeliveryJob = {
          action: 'resolve',
          sink,
          dedupKey,
          ...(trigger ? { triggerJobId: trigger } : {}),
        };
        await withTimeout(this.add('resolve', data, resolveJobId(sink, dedupKey, at)), timeout, 'queueing');
      }),
    );
    await this.redis
      .del(...[...this.configured].map((s) => dedupRedisKey(this.queueName, s, dedupKey)))
      .catch(() => {});
    return sinks;
  }

  /** Stops the worker (in-flight deliveries are cut short and retried later) and the queue. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.abort.abort();
      await this.worker?.close();
      await this.queue.close();
      this.redis.disconnect();
    })();
    return this.closed;
  }
}
