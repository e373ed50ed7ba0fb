/**
 * What the SDK's two halves share: the error type every failure becomes, and the defaults.
 *
 * @example
 * ```ts
 * throw localError(SdkErrors.TIMEOUT, { url, timeoutMs }); // an SdkError with the registry's message
 * ```
 */
import { type ErrorCode, OrchestratorError } from '../errors/registry.ts';

export const SDK_DEFAULTS = {
  timeoutMs: 10_000, // per HTTP request or per enqueue
  retries: 0, // submitCommand retries after retryable failures
  waitTimeoutMs: 60_000, // whole waitForAction
  intervalMs: 500, // between waitForAction polls
  maxBackoffMs: 5_000, // cap of the pause between submit retries
} as const;

/**
 * Any failure of the SDK. `code` is the daemon's error code when it answered
 * (`ORC_ERR_CONTRACT_INVALID`, `ORC_ERR_INTAKE_CONFLICT`, `ORC_ERR_API_RATE_LIMITED`, …), or an
 * `ORC_ERR_SDK_*` code when it could not be reached or understood.
 *
 * @example
 * ```ts
 * try {
 *   await submitCommand(client, command);
 * } catch (err) {
 *   if (err instanceof SdkError && err.code === 'ORC_ERR_CONTRACT_INVALID') console.error(err.details?.issues);
 *   else if (err instanceof SdkError && err.retryable) scheduleRetry(err.retryAfterMs);
 *   else throw err;
 * }
 * ```
 */
export class SdkError extends Error {
  readonly code: string;
  /** The daemon's HTTP status; undefined when no answer was received. */
  readonly httpStatus: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Whether the same call may succeed later. */
  readonly retryable: boolean;
  /** From `Retry-After` on 429/503 answers. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: string,
    message: string,
    opts: {
      httpStatus?: number;
      details?: Record<string, unknown>;
      retryable?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SdkError';
    this.code = code;
    this.httpStatus = opts.httpStatus;
    this.details = opts.details;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** An SdkError for a failure on the agent's side (no usable answer from the daemon). */
export function localError(
  spec: ErrorCode,
  params: Record<string, unknown>,
  opts: { httpStatus?: number; cause?: unknown } = {},
): SdkError {
  // Rendered through the registry so the message matches docs/errors.md.
  const rendered = new OrchestratorError(spec, params);
  return new SdkError(spec.code, rendered.message, { ...opts, retryable: rendered.retryable });
}

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rejects with `onTimeout()` when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
