/**
 * The poller: BullMQ workers over every configured queue, each job handed to the pipeline.
 *
 * Invalid jobs are recorded REJECTED and moved to the dead-letter queue, never retried. A
 * transient failure (ledger or Redis) rejects the job so BullMQ retries it with backoff.
 * Shutdown stops fetching, lets in-flight jobs finish up to a deadline, then closes hard;
 * BullMQ's stalled-job recovery hands anything left to the next worker.
 */
import { Queue, type RedisOptions, Worker } from 'bullmq';
import type { Pipeline } from '../pipeline/pipeline.ts';

export interface PollerOptions {
  readonly queues: readonly string[];
  readonly deadLetterQueue: string;
  readonly concurrency: number;
  /** Lock duration; a dead worker's jobs are recovered after about this long. */
  readonly lockMs: number;
  readonly connection: RedisOptions;
  /** Called when a job errors (for logging). */
  readonly onError?: (queue: string, err: unknown) => void;
}

export class Poller {
  private readonly workers: Worker[] = [];
  private readonly dlq: Queue;
  private readonly opts: PollerOptions;
  private readonly pipeline: Pipeline;

  constructor(pipeline: Pipeline, opts: PollerOptions) {
    this.pipeline = pipeline;
    this.opts = opts;
    this.dlq = new Queue(opts.deadLetterQueue, { connection: opts.connection });
  }

  /** Moves a job that must never run to the dead-letter queue, with the reason. */
  async deadLetter(job: { queue: string; data: unknown; reason: unknown }): Promise<void> {
    await this.dlq.add('dead-letter', {
      queue: job.queue,
      data: job.data,
      reason: job.reason,
      at: new Date().toISOString(),
    });
  }

  /** The dead-letter queue, for the queue gauge (jobs there wait for a person, never for a worker). */
  get deadLetterQueue(): Queue {
    return this.dlq;
  }

  /** Starts one worker per queue. */
  start(): void {
    for (const name of this.opts.queues) {
      const w = new Worker(name, (job) => this.pipeline.process(name, job.data), {
        connection: this.opts.connection,
        concurrency: this.opts.concurrency,
        lockDuration: this.opts.lockMs,
        stalledInterval: Math.max(1_000, Math.floor(this.opts.lockMs / 2)),
        // A stalled job (its worker died) is retried by another worker.
        maxStalledCount: 5,
      });
      w.on('error', (err) => this.opts.onError?.(name, err));
      w.on('failed', (_job, err) => this.opts.onError?.(name, err));
      this.workers.push(w);
    }
  }

  /** Waits until every worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Stops fetching, waits for in-flight jobs up to `deadlineMs`, then closes hard. */
  async stop(deadlineMs: number): Promise<void> {
    const graceful = Promise.all(this.workers.map((w) => w.close()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), deadlineMs);
    });
    const outcome = await Promise.race([graceful.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') await Promise.all(this.workers.map((w) => w.close(true)));
    await this.dlq.close();
  }
}
