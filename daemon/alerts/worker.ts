/**
 * The delivery worker: takes one (alert, sink) job, sends it, and tells BullMQ whether to try
 * again. A sink that is unavailable (network, timeout, 429, 5xx) makes the job throw, so BullMQ
 * retries it with capped exponential backoff; a sink that rejects the request (other 4xx) ends
 * the job at once with `UnrecoverableError`. Either way the outcome is logged and counted.
 */
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { AlertErrors } from '../errors/alerts.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { DeliveryJobSchema } from './jobs.ts';
import type { AlertMetrics } from './metrics.ts';
import type { SinkName } from './routes.ts';
import { SinkRejectedError, SinkUnavailableError, type Sink } from './sinks/types.ts';

/** The custom backoff type jobs are queued with (see `cappedBackoff`). */
export const BACKOFF_TYPE = 'alerts-capped';

/**
 * Exponential backoff with a ceiling, honouring a sink's `Retry-After` when it asks for longer.
 * Without the ceiling, attempt 20 would wait six days; with it, a long outage is retried every
 * `maxMs` until attempts run out.
 *
 * @example
 * ```ts
 * cappedBackoff(1_000, 300_000)(5); // 16_000
 * ```
 */
export function cappedBackoff(baseMs: number, maxMs: number): (attemptsMade: number, err?: Error) => number {
  return (attemptsMade, err) => {
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
    const asked = err instanceof SinkUnavailableError ? (err.retryAfterMs ?? 0) : 0;
    return Math.max(exp, Math.min(asked, maxMs));
  };
}

export interface DeliveryWorkerOptions {
  readonly queueName: string;
  readonly connection: ConnectionOptions;
  readonly sinks: ReadonlyMap<SinkName, Sink>;
  readonly metrics: AlertMetrics;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  /** State of a job of this queue (`waiting`, `completed`, `unknown`…): resolves wait for their trigger. */
  readonly jobState: (jobId: string) => Promise<string>;
  /** Aborted on close, so in-flight HTTP calls end promptly. */
  readonly signal: AbortSignal;
  readonly now?: () => number;
}

class TriggerPendingError extends OrchestratorError {}

/**
 * Starts the worker (it begins taking jobs at once).
 *
 * @example
 * ```ts
 * const worker = startDeliveryWorker({ queueName: 'orchestrator-alerts', connection, sinks, metrics, logger,
 *   concurrency: 4, backoffMs: 1_000, backoffMaxMs: 300_000, signal: controller.signal });
 * ```
 */
export function startDeliveryWorker(opts: DeliveryWorkerOptions): Worker {
  const now = opts.now ?? Date.now;
  const backoff = cappedBackoff(opts.backoffMs, opts.backoffMaxMs);
  const deliver = async (job: Job): Promise<void> => {
    const parsed = DeliveryJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      opts.logger.error({ jobId: job.id, code: AlertErrors.INVALID.code, problems }, 'invalid alert job');
      throw new UnrecoverableError(new OrchestratorError(AlertErrors.INVALID, { problems }).message);
    }
    const data = parsed.data;
    const sink = opts.sinks.get(data.sink);
    const dedupKey = data.action === 'trigger' ? data.alert.dedupKey : data.dedupKey;
    const ctx = {
      jobId: job.id,
      sink: data.sink,
      action: data.action,
      dedupKey,
      attempt: job.attemptsMade + 1,
    };
    if (!sink || (data.action === 'resolve' && !sink.resolve)) {
      // The daemon restarted without this sink configured: there is nowhere to deliver.
      opts.metrics.delivery(data.sink, data.action, 'failed');
      opts.logger.error(ctx, `alert sink ${data.sink} is not configured; delivery dropped`);
      throw new UnrecoverableError(`alert sink ${data.sink} is not configured`);
    }
    try {
      if (data.action === 'trigger') {
        await sink.send(data.alert, opts.signal);
        opts.metrics.latency(data.sink, (now() - Date.parse(data.alert.createdAt)) / 1_000);
      } else {
        if (data.triggerJobId) {
          const state = await opts.jobState(data.triggerJobId);
          if (['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'].includes(state)) {
            throw new TriggerPendingError(AlertErrors.TRIGGER_PENDING, { dedupKey, sink: data.sink });
          }
        }
        await sink.resolve!(dedupKey, opts.signal);
      }
      opts.metrics.delivery(data.sink, data.action, 'delivered');
      opts.logger.debug(ctx, 'alert delivered');
    } catch (err) {
      if (err instanceof SinkRejectedError) {
        opts.metrics.delivery(data.sink, data.action, 'failed');
        opts.logger.error(
          { ...ctx, code: err.code, status: err.httpStatus, error: err.message },
          'alert rejected by sink; not retried',
        );
        throw new UnrecoverableError(err.message);
      }
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const e = err instanceof Error ? err : new Error(String(err));
      opts.metrics.delivery(data.sink, data.action, last ? 'failed' : 'retried');
      const code = err instanceof OrchestratorError ? err.code : undefined;
      if (last) {
        opts.logger.error({ ...ctx, code, error: e.message }, 'alert delivery failed; out of attempts');
      } else {
        opts.logger.warn(
          { ...ctx, code, error: e.message, retryInMs: backoff(job.attemptsMade + 1, e) },
          'alert delivery failed; will retry',
        );
      }
      throw e;
    }
  };

  const worker = new Worker(opts.queueName, deliver, {
    connection: opts.connection,
    concurrency: opts.concurrency,
    settings: {
      backoffStrategy: (attemptsMade, type, err) =>
        type === BACKOFF_TYPE ? backoff(attemptsMade, err) : opts.backoffMs,
    },
  });
  // Redis errors are retried by ioredis; they must not crash the daemon as an unhandled 'error'.
  worker.on('error', (err) => opts.logger.warn({ err: err.message }, 'alert worker error'));
  return worker;
}
