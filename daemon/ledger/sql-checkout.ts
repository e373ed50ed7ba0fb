/**
 * SQL of the checkout ledger (`checkout_completions`, `checkout_refunds`, migration
 * 20261121130000). Each claim is one statement, so two workers (or two daemons) racing on the
 * same draft order or payment reference cannot both win. Plain statements, no batching: checkout
 * is off the per-command hot path.
 */

const COMPLETION_COLUMNS = `draft_order_id, payment_reference, agent_id, action_id, session_id, amount, currency,
  status, order_id, order_name, failure_code, failure_message, updated_at`;

const REFUND_COLUMNS =
  'payment_reference, draft_order_id, amount, currency, status, attempts, last_error, updated_at';

export interface CompletionRow {
  draft_order_id: string;
  payment_reference: string;
  agent_id: string;
  action_id: string;
  session_id: string | null;
  amount: string;
  currency: string;
  status: 'completing' | 'completed' | 'failed';
  order_id: string | null;
  order_name: string | null;
  failure_code: string | null;
  failure_message: string | null;
  updated_at: Date | string;
}

export interface RefundRow {
  payment_reference: string;
  draft_order_id: string;
  amount: string;
  currency: string;
  status: 'sending' | 'requested' | 'failed';
  attempts: number;
  last_error: string | null;
  updated_at: Date | string;
}

export const CHECKOUT_SQL = {
  // No conflict target: either unique key (draft order, payment reference) makes it a no-op.
  claimCompletion: `insert into checkout_completions
      (draft_order_id, payment_reference, agent_id, action_id, session_id, amount, currency)
    values ($1, $2, $3, $4, $5, $6, $7)
    on conflict do nothing
    returning draft_order_id`,
  /** The row in the way of a claim: the same draft first, else the same payment reference. */
  blocking: `select ${COMPLETION_COLUMNS} from checkout_completions
    where draft_order_id = $1 or payment_reference = $2
    order by (draft_order_id = $1) desc
    limit 1`,
  /** $1 draft, $2 action, $3 agent, $4 stale after (ms). */
  reclaim: `update checkout_completions set action_id = $2, agent_id = $3, updated_at = now()
    where draft_order_id = $1 and status = 'completing'
      and updated_at < now() - ($4::double precision * interval '1 millisecond')
    returning draft_order_id`,
  completed: `update checkout_completions
    set status = 'completed', order_id = $2, order_name = $3, failure_code = null, failure_message = null, updated_at = now()
    where draft_order_id = $1 and status <> 'completed'`,
  failed: `update checkout_completions
    set status = 'failed', failure_code = $2, failure_message = $3, updated_at = now()
    where draft_order_id = $1 and status = 'completing'`,
  release: `delete from checkout_completions
    where draft_order_id = $1 and action_id = $2 and status = 'completing'`,
  // Inserts `sending`, or re-arms a refund whose last delivery failed; a `sending` or
  // `requested` row is left alone (returns nothing), which is what "exactly once" rests on.
  claimRefund: `insert into checkout_refunds (payment_reference, draft_order_id, amount, currency)
    values ($1, $2, $3, $4)
    on conflict (payment_reference) do update
      set status = 'sending', attempts = checkout_refunds.attempts + 1, updated_at = now()
      where checkout_refunds.status = 'failed'
    returning ${REFUND_COLUMNS}`,
  getRefund: `select ${REFUND_COLUMNS} from checkout_refunds where payment_reference = $1`,
  finishRefund: `update checkout_refunds set status = $2, last_error = $3, updated_at = now()
    where payment_reference = $1 and status = 'sending'`,
} as const;
