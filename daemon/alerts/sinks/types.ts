/**
 * What every sink is, and how a sink's HTTP answer becomes "delivered", "retry later" or
 * "give up". Errors never carry a sink's URL, routing key or secret: the message names the sink
 * and the HTTP status only, because it ends up in logs and in the failed job's record.
 */
import { AlertErrors } from '../../errors/alerts.ts';
import { OrchestratorError } from '../../errors/registry.ts';
import type { Alert } from '../model.ts';
import type { SinkName } from '../routes.ts';

/** Trigger opens (or repeats) an incident; resolve closes the incident with the same dedup key. */
export type DeliveryAction = 'trigger' | 'resolve';

export interface Sink {
  readonly name: SinkName;
  /** Delivers one alert. Rejects with `SinkUnavailableError` (retry) or `SinkRejectedError` (final). */
  send(alert: Alert, signal: AbortSignal): Promise<void>;
  /** Closes the incident with this dedup key; absent for sinks without incidents (Slack). */
  resolve?(dedupKey: string, signal: AbortSignal): Promise<void>;
}

/** Retry later: network error, timeout, 429 or 5xx. */
export class SinkUnavailableError extends OrchestratorError {
  /** From the sink's `Retry-After` header, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(
    params: { sink: string; reason: string; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(AlertErrors.SINK_UNAVAILABLE, { sink: params.sink, reason: params.reason }, options);
    this.retryAfterMs = params.retryAfterMs;
  }
}

/** Give up: the sink refused this request and would refuse it again. */
export class SinkRejectedError extends OrchestratorError {
  readonly httpStatus: number;
  constructor(params: { sink: string; reason: string; httpStatus: number }) {
    super(AlertErrors.SINK_REJECTED, { sink: params.sink, reason: params.reason });
    this.httpStatus = params.httpStatus;
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows; capped at an hour so a bad header cannot stall delivery. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const secs = Number(header);
  const ms = Number.isFinite(secs) ? secs * 1_000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 3_600_000) : undefined;
}

/** A short, single-line excerpt of the answer body: sinks explain 4xx there (`invalid_blocks`). */
async function excerpt(res: Response): Promise<string> {
  try {
    const text = (await res.text()).replace(/\s+/g, ' ').trim();
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return '';
  }
}

/**
 * POSTs `body` (already serialized, so a signature can cover the exact bytes) and classifies
 * the answer. Resolves on 2xx.
 *
 * @example
 * ```ts
 * await postJson('slack', url, JSON.stringify(message), {}, { timeoutMs: 5_000, signal });
 * ```
 */
export async function postJson(
  sink: string,
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  opts: { readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<void> {
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'mcp-orchestrator-alerts', ...headers },
      body,
      signal,
      redirect: 'error',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason =
      e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (e.cause?.code ?? e.name);
    throw new SinkUnavailableError({ sink, reason });
  }
  if (res.ok) {
    await res.body?.cancel().catch(() => {});
    return;
  }
  const detail = await excerpt(res);
  const reason = `HTTP ${res.status}${detail ? ` ${detail}` : ''}`;
  if (res.status === 429 || res.status >= 500) {
    const ms = retryAfter(res.headers.get('retry-after'));
    throw new SinkUnavailableError({ sink, reason, ...(ms !== undefined ? { retryAfterMs: ms } : {}) });
  }
  throw new SinkRejectedError({ sink, reason, httpStatus: res.status });
}
