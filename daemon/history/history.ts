/**
 * The counts the policy's history rules read (attempts and denials per service and per agent
 * over the last hour), behind one interface with two stores:
 *
 * - `RedisHistory` (redis-history.ts), what the daemon uses: counters in one-minute buckets, so
 *   a lookup costs the same whatever the traffic, shared by every replica.
 * - `LedgerHistory` (here): counts rows of the ledger. Exact, but each lookup scans the
 *   window's actions, so its cost grows with traffic; kept for embedded use without Redis and
 *   as the reference the Redis store is tested against.
 */
import type { ActionStatus, HistoryContext, Ledger } from '../core/types.ts';

/** The statuses the policy counts as denials. */
export const DENIAL_STATUSES: ReadonlySet<ActionStatus> = new Set(['BLOCKED', 'NEEDS_APPROVAL', 'REJECTED']);

/** Which action a history lookup is for. */
export interface HistoryKey {
  readonly agentId: string;
  readonly actionId: string;
  readonly commandType: string;
  readonly service?: string | undefined;
}

/** Where the pipeline gets the history counts from and reports denials to. */
export interface HistoryStore {
  /**
   * Counts the other actions of `key`'s command type in the window (by service and by agent)
   * and notes `key`'s action as an attempt, once however often it is looked up. Rejects when
   * the store cannot answer: the command is then not evaluated and its job is retried.
   */
  observe(key: HistoryKey): Promise<HistoryContext>;
  /** Notes that `key`'s action reached a denial status (once per action). */
  recordDenial(key: HistoryKey): Promise<void>;
}

/**
 * History counted from the ledger's rows.
 *
 * @example
 * ```ts
 * const history = new LedgerHistory(ledger, 3_600_000);
 * const counts = await history.observe({ agentId, actionId, commandType: 'REFRESH_TOKEN', service: 'google' });
 * ```
 */
export class LedgerHistory implements HistoryStore {
  readonly #ledger: Ledger;
  readonly #windowMs: number;

  constructor(ledger: Ledger, windowMs: number) {
    this.#ledger = ledger;
    this.#windowMs = windowMs;
  }

  observe(key: HistoryKey): Promise<HistoryContext> {
    return this.#ledger.history({
      commandType: key.commandType,
      service: key.service,
      agentId: key.agentId,
      windowMs: this.#windowMs,
      excludeActionId: key.actionId,
    });
  }

  /** Nothing to do: the ledger's statuses are the record of denials. */
  async recordDenial(): Promise<void> {}
}
