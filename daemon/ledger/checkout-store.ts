/**
 * The checkout connector's store on the daemon's ledger database (Postgres or PGlite): the
 * `CheckoutStore` interface of `connectors/checkout-store.ts` over the same SQL driver as the
 * ledger, so checkout rows live and are migrated with the actions they belong to.
 */
import type {
  CheckoutStore,
  CompletionRecord,
  NewCompletion,
  NewRefund,
  RefundRecord,
} from '../../connectors/checkout-store.ts';
import type { Ledger } from '../core/types.ts';
import type { SqlExecutor } from './driver.ts';
import { CHECKOUT_SQL, type CompletionRow, type RefundRow } from './sql-checkout.ts';
import { SqlLedger } from './sql-ledger.ts';
import { toIso } from './sql.ts';

/**
 * The checkout store of a SQL ledger (what `createLedger` returns).
 *
 * @example
 * ```ts
 * const ledger = await createLedger({ databaseUrl: process.env.DATABASE_URL, dataDir: '.data' });
 * await ledger.migrate();
 * const store = createCheckoutStore(ledger);
 * ```
 * @throws TypeError when the ledger is not SQL-backed (e.g. a test double).
 */
export function createCheckoutStore(ledger: Ledger): CheckoutStore {
  if (!(ledger instanceof SqlLedger))
    throw new TypeError('createCheckoutStore: the ledger is not a SqlLedger');
  return new SqlCheckoutStore(ledger.sql);
}

/** {@link CheckoutStore} on a SQL executor. Rejects with the ledger's own errors when the store is down. */
export class SqlCheckoutStore implements CheckoutStore {
  readonly #db: SqlExecutor;

  constructor(db: SqlExecutor) {
    this.#db = db;
  }

  async claimCompletion(
    c: NewCompletion,
  ): Promise<{ claimed: true } | { claimed: false; existing: CompletionRecord }> {
    // Two turns at most: a blocking row can be released between the insert and the select.
    for (let turn = 0; turn < 2; turn++) {
      const inserted = await this.#db.query<{ draft_order_id: string }>(CHECKOUT_SQL.claimCompletion, [
        c.draftOrderId,
        c.paymentReference,
        c.agentId,
        c.actionId,
        c.sessionId,
        c.amount,
        c.currency,
      ]);
      if (inserted.length > 0) return { claimed: true };
      const [row] = await this.#db.query<CompletionRow>(CHECKOUT_SQL.blocking, [
        c.draftOrderId,
        c.paymentReference,
      ]);
      if (row) return { claimed: false, existing: toCompletion(row) };
    }
    throw new Error('checkout store: a completion claim neither inserted nor found a row');
  }

  async reclaimCompletion(
    draftOrderId: string,
    holder: { agentId: string; actionId: string },
    staleMs: number,
  ): Promise<boolean> {
    const rows = await this.#db.query(CHECKOUT_SQL.reclaim, [
      draftOrderId,
      holder.actionId,
      holder.agentId,
      staleMs,
    ]);
    return rows.length > 0;
  }

  async markCompleted(
    draftOrderId: string,
    order: { orderId: string | null; orderName: string | null },
  ): Promise<void> {
    await this.#db.query(CHECKOUT_SQL.completed, [draftOrderId, order.orderId, order.orderName]);
  }

  async markFailed(draftOrderId: string, failure: { code: string; message: string }): Promise<void> {
    await this.#db.query(CHECKOUT_SQL.failed, [draftOrderId, failure.code, failure.message]);
  }

  async releaseCompletion(draftOrderId: string, actionId: string): Promise<void> {
    await this.#db.query(CHECKOUT_SQL.release, [draftOrderId, actionId]);
  }

  async claimRefund(
    r: NewRefund,
  ): Promise<{ send: true; record: RefundRecord } | { send: false; existing: RefundRecord }> {
    const [row] = await this.#db.query<RefundRow>(CHECKOUT_SQL.claimRefund, [
      r.paymentReference,
      r.draftOrderId,
      r.amount,
      r.currency,
    ]);
    if (row) return { send: true, record: toRefund(row) };
    const existing = await this.getRefund(r.paymentReference);
    if (!existing) throw new Error('checkout store: a refund claim neither inserted nor found a row');
    return { send: false, existing };
  }

  async finishRefund(
    paymentReference: string,
    outcome: { status: 'requested' | 'failed'; error?: string },
  ): Promise<void> {
    await this.#db.query(CHECKOUT_SQL.finishRefund, [
      paymentReference,
      outcome.status,
      outcome.error ?? null,
    ]);
  }

  async getRefund(paymentReference: string): Promise<RefundRecord | undefined> {
    const [row] = await this.#db.query<RefundRow>(CHECKOUT_SQL.getRefund, [paymentReference]);
    return row ? toRefund(row) : undefined;
  }
}

function toCompletion(r: CompletionRow): CompletionRecord {
  return {
    draftOrderId: r.draft_order_id,
    paymentReference: r.payment_reference,
    agentId: r.agent_id,
    actionId: r.action_id,
    sessionId: r.session_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    orderId: r.order_id,
    orderName: r.order_name,
    failure: r.failure_code === null ? null : { code: r.failure_code, message: r.failure_message ?? '' },
    updatedAt: toIso(r.updated_at),
  };
}

function toRefund(r: RefundRow): RefundRecord {
  return {
    paymentReference: r.payment_reference,
    draftOrderId: r.draft_order_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    updatedAt: toIso(r.updated_at),
  };
}
