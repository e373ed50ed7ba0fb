/**
 * The SDK straight onto BullMQ, for agents inside the trust boundary: validate locally against
 * the command contract, then add one job per action with the id the daemon's intake also uses.
 *
 * @example
 * ```ts
 * await enqueueCommand({ connection: 'redis://127.0.0.1:6379', queue: 'agent-commands', agentId: 'agent-7' }, command);
 * ```
 */
import { createHash } from 'node:crypto';
import { type ConnectionOptions, type JobsOptions, Queue } from 'bullmq';
import { validateCommand } from '../contract/command.ts';
import { SdkErrors } from '../errors/api.ts';
import { isRecord, localError, SDK_DEFAULTS, SdkError, withTimeout } from './common.ts';

/**
 * Job options for commands put straight onto BullMQ. BullMQ keeps retry settings on each job,
 * not on the queue, so jobs from the SDK must carry the same attempts and backoff as the
 * daemon's own intake gives its jobs, or transient failures would not be retried.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 }, // ms, doubled per attempt
  removeOnComplete: { count: 10_000 },
  removeOnFail: false,
};

/**
 * The BullMQ job id of an action: `sha256(agentId + "\0" + actionId)` in hex. The daemon's
 * intake uses the same function, so a command enqueued directly and the same command submitted
 * over HTTP land on the same job. Hex, because BullMQ job ids must not contain `:`; the NUL
 * separator keeps `("a", "b:c")` and `("a:b", "c")` apart.
 *
 * @example
 * ```ts
 * jobIdFor('agent-7', 'chk-1'); // → 64 hex characters, stable across processes
 * ```
 */
export function jobIdFor(agentId: string, actionId: string): string {
  return createHash('sha256').update(`${agentId}\0${actionId}`, 'utf8').digest('hex');
}

export interface EnqueueOptions {
  /** Redis: a `redis://` URL or BullMQ connection options. */
  readonly connection: string | ConnectionOptions;
  /** The queue this agent may write (one of the daemon's `ORCHESTRATOR_QUEUES`). */
  readonly queue: string;
  /** Who the agent is. Inside the trust boundary the daemon takes this as given. */
  readonly agentId: string;
  /**
   * Job options (attempts, backoff, retention); `jobId` is always derived with {@link jobIdFor}.
   * @defaultValue {@link DEFAULT_JOB_OPTIONS}
   */
  readonly jobOptions?: JobsOptions;
  /**
   * Largest serialized command in bytes, checked locally (the daemon checks again).
   * @defaultValue the contract's default (16384)
   */
  readonly maxBytes?: number;
  /**
   * Give up on one enqueue after this long (Redis down or unreachable).
   * @defaultValue 10000 (ms)
   */
  readonly timeoutMs?: number;
}

/** What an enqueue resolves to. */
export interface EnqueueResult {
  readonly action_id: string;
  readonly job_id: string;
  readonly queue: string;
}

/** A reusable producer for many commands; close it when done. */
export interface Enqueuer {
  enqueue(command: unknown): Promise<EnqueueResult>;
  close(): Promise<void>;
}

/**
 * Opens one BullMQ producer for many commands (one Redis connection instead of one per command).
 *
 * @example
 * ```ts
 * const q = createEnqueuer({ connection: 'redis://127.0.0.1:6379', queue: 'agent-commands', agentId: 'agent-7' });
 * try {
 *   for (const c of commands) await q.enqueue(c);
 * } finally {
 *   await q.close();
 * }
 * ```
 */
export function createEnqueuer(opts: EnqueueOptions): Enqueuer {
  const connection: ConnectionOptions =
    typeof opts.connection === 'string' ? { url: opts.connection } : opts.connection;
  const timeoutMs = opts.timeoutMs ?? SDK_DEFAULTS.timeoutMs;
  let queue: Queue | undefined;
  return {
    async enqueue(command) {
      const v = validateCommand(command, opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes });
      if (!v.ok) {
        const details = v.error.params.details;
        throw new SdkError(v.error.code, v.error.message, {
          httpStatus: v.error.status,
          ...(isRecord(details) ? { details } : {}),
        });
      }
      const validated = v.command;
      const jobId = jobIdFor(opts.agentId, validated.action_id);
      queue ??= new Queue(opts.queue, { connection });
      const q = queue;
      await withTimeout(
        q.add(
          validated.command_type,
          { agent_id: opts.agentId, command: validated },
          { ...(opts.jobOptions ?? DEFAULT_JOB_OPTIONS), jobId },
        ),
        timeoutMs,
        () => localError(SdkErrors.TIMEOUT, { url: `redis queue ${opts.queue}`, timeoutMs }),
      );
      return { action_id: validated.action_id, job_id: jobId, queue: opts.queue };
    },
    async close() {
      const q = queue;
      queue = undefined;
      if (!q) return;
      // close() waits for pending commands; when Redis is gone that is forever, so bound it.
      await withTimeout(q.close(), timeoutMs, () => new Error('close timed out')).catch(() => q.disconnect());
    },
  };
}

/**
 * Puts one command straight onto a BullMQ queue, for agents inside the trust boundary. The
 * command is validated against the contract first (the daemon validates it again); job name =
 * command_type, data = `{agent_id, command}`, job id = {@link jobIdFor}(agentId, action_id), so
 * enqueueing the same action twice leaves one job. For many commands use {@link createEnqueuer}.
 *
 * @example
 * ```ts
 * await enqueueCommand(
 *   { connection: 'redis://127.0.0.1:6379', queue: 'agent-commands', agentId: 'agent-7' },
 *   { action_id: 'chk-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'mailchimp' } },
 * );
 * // → { action_id: 'chk-1', job_id: '3f…', queue: 'agent-commands' }
 * ```
 */
export async function enqueueCommand(opts: EnqueueOptions, command: unknown): Promise<EnqueueResult> {
  const q = createEnqueuer(opts);
  try {
    return await q.enqueue(command);
  } finally {
    await q.close();
  }
}
