/**
 * What the resilience layer tells the outside world, as typed events. `bridges/` cannot import
 * the daemon's metrics, so each connector takes a {@link ResilienceListener}; the daemon turns
 * these events into Prometheus series (requests and errors by connector and code, latency
 * histograms, breaker state, rate-limit waits).
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export type ResilienceEvent =
  /** One attempt reached the peer (or timed out on the way) and finished. */
  | {
      readonly type: 'attempt';
      readonly connector: string;
      /** `ok`, or the envelope code of the failure. */
      readonly code: string;
      readonly ms: number;
      /** 1 for the first attempt of a call. */
      readonly attempt: number;
    }
  /** A call finished, after its retries: what the caller saw. */
  | {
      readonly type: 'call';
      readonly connector: string;
      readonly code: string;
      readonly ms: number;
      readonly attempts: number;
    }
  /** The breaker changed state. */
  | { readonly type: 'breaker'; readonly connector: string; readonly state: BreakerState }
  /** A call waited for a rate-limit slot (ms > 0), or was refused one (`refused`). */
  | {
      readonly type: 'rate_limit';
      readonly connector: string;
      readonly waitMs: number;
      readonly refused: boolean;
    };

/**
 * Receives the events of one connector. A listener that throws is ignored: metrics must never
 * change the outcome of a call.
 *
 * @example
 * ```ts
 * const onEvent: ResilienceListener = (e) => {
 *   if (e.type === 'call') requests.inc({ connector: e.connector, code: e.code });
 * };
 * ```
 */
export type ResilienceListener = (event: ResilienceEvent) => void;
