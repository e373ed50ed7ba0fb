/**
 * What the checkout connector needs remembered across commands, jobs and daemon restarts: one
 * completion row per draft order (and per payment reference), and one refund row per payment
 * reference. Declared here, implemented by the daemon on its ledger
 * (`daemon/ledger/checkout-store.ts`) and handed to the connector at wiring time, so
 * `connectors/` never imports `daemon/`.
 *
 * Every method is one atomic statement: two workers racing on the same draft or payment cannot
 * both win a claim.
 */

export type CompletionStatus = 'completing' | 'completed' | 'failed';

export interface CompletionRecord {
  readonly draftOrderId: string;
  readonly paymentReference: string;
  readonly agentId: string;
  readonly actionId: string;
  readonly sessionId: string | null;
  /** Decimal string in major units, as Shopify writes it, e.g. `48.20`. */
  readonly amount: string;
  readonly currency: string;
  readonly status: CompletionStatus;
  readonly orderId: string | null;
  readonly orderName: string | null;
  readonly failure: { readonly code: string; readonly message: string } | null;
  readonly updatedAt: string;
}

export type NewCompletion = Pick<
  CompletionRecord,
  'draftOrderId' | 'paymentReference' | 'agentId' | 'actionId' | 'sessionId' | 'amount' | 'currency'
>;

export type RefundStatus = 'sending' | 'requested' | 'failed';

export interface RefundRecord {
  readonly paymentReference: string;
  readonly draftOrderId: string;
  readonly amount: string;
  readonly currency: string;
  readonly status: RefundStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly updatedAt: string;
}

export type NewRefund = Pick<RefundRecord, 'paymentReference' | 'draftOrderId' | 'amount' | 'currency'>;

export interface CheckoutStore {
  /**
   * Claims the completion of a draft: inserts a `completing` row unless one exists for the
   * draft or the payment reference. `claimed` is true only for the caller that inserted;
   * otherwise `existing` is the row in the way (same draft, or same payment reference).
   */
  claimCompletion(
    c: NewCompletion,
  ): Promise<{ claimed: true } | { claimed: false; existing: CompletionRecord }>;
  /**
   * Takes over a `completing` row that has not moved for `staleMs` (its worker died, or its
   * completion call's outcome was unknown), for `holder`. True when taken.
   */
  reclaimCompletion(
    draftOrderId: string,
    holder: { agentId: string; actionId: string },
    staleMs: number,
  ): Promise<boolean>;
  markCompleted(
    draftOrderId: string,
    order: { orderId: string | null; orderName: string | null },
  ): Promise<void>;
  markFailed(draftOrderId: string, failure: { code: string; message: string }): Promise<void>;
  /** Deletes a `completing` row this action holds: nothing happened, a corrected command may retry. */
  releaseCompletion(draftOrderId: string, actionId: string): Promise<void>;
  /**
   * Claims the right to send the refund of a payment: inserts a `sending` row, or moves a
   * `failed` one (the webhook refused or was unreachable last time) back to `sending`. Returns
   * the row when this caller must send, or `{ sent: false, existing }` when the refund was
   * already requested or another worker is sending it.
   */
  claimRefund(
    r: NewRefund,
  ): Promise<{ send: true; record: RefundRecord } | { send: false; existing: RefundRecord }>;
  /** Records the webhook's outcome of a claimed refund. */
  finishRefund(
    paymentReference: string,
    outcome: { status: 'requested' | 'failed'; error?: string },
  ): Promise<void>;
  getRefund(paymentReference: string): Promise<RefundRecord | undefined>;
}
