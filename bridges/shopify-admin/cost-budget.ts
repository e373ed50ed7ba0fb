/**
 * A local picture of Shopify's leaky bucket for one app and shop, built from the
 * `throttleStatus` of each answer. It lets the bridge wait before a request that would not fit
 * instead of sending it and being throttled.
 *
 * It is per process: replicas each keep their own picture, so the THROTTLED path (wait for the
 * restore, resend) stays the backstop. Requests reserve their estimated cost when they are sent
 * so that concurrent calls in one process do not all see the same free points.
 */
import type { QueryCost, ThrottleStatus } from './protocol.ts';

export class CostBudget {
  #status: ThrottleStatus | undefined;
  #at = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Points available now by the last answer, restored since at `restoreRate`; undefined before
   * the first answer.
   *
   * @example
   * ```ts
   * const budget = new CostBudget();
   * budget.observe(cost);
   * budget.available(); // → 1994
   * ```
   */
  available(): number | undefined {
    const s = this.#status;
    if (!s) return undefined;
    const restored = (s.restoreRate * Math.max(0, this.#now() - this.#at)) / 1000;
    return Math.min(s.maximumAvailable, s.currentlyAvailable + restored);
  }

  /** The bucket's size by the last answer; undefined before the first. */
  maximum(): number | undefined {
    return this.#status?.maximumAvailable;
  }

  /**
   * Milliseconds to wait until `requested` points are available (0 when they are, or when
   * nothing is known yet, or when the request could never fit: Shopify then rejects it itself).
   *
   * @example
   * ```ts
   * await sleep(budget.waitMs(estimatedCost));
   * ```
   */
  waitMs(requested: number): number {
    const s = this.#status;
    const available = this.available();
    if (!s || available === undefined || requested > s.maximumAvailable) return 0;
    if (available >= requested) return 0;
    return Math.ceil(((requested - available) / s.restoreRate) * 1000);
  }

  /** Takes `points` from the local picture when a request is sent. */
  reserve(points: number): void {
    const s = this.#status;
    const available = this.available();
    if (!s || available === undefined) return;
    this.#status = { ...s, currentlyAvailable: available - points };
    this.#at = this.#now();
  }

  /** Replaces the picture with what Shopify reported. */
  observe(cost: QueryCost): void {
    this.#status = cost.throttleStatus;
    this.#at = this.#now();
  }
}
