/**
 * Checkout through Shopify draft orders: CHECKOUT_PRECHECK prices a cart exactly and creates
 * the draft order; CHECKOUT_COMPLETE completes that draft once, after payment, and when
 * completion fails requests a refund exactly once and asks the daemon for an alert.
 *
 * Why precheck creates the draft: CHECKOUT_COMPLETE names a `draft_order_id`, and the agent has
 * no other command that yields one. A draft order charges nothing and reserves nothing, so
 * creating it at precheck is harmless; it is created only after `draftOrderCalculate` has
 * priced the cart and any `total_amount` the agent stated has matched, and the draft's own
 * totals (which complete verifies against) are what precheck returns. See docs/checkout.md.
 */
import { failCheckoutLeg } from './checkout-leg.ts';
import type { SessionStore } from './session-store.ts';
import { ConnectorError, ConnectorNotConfiguredError, RetryableConnectorError } from '../bridges/errors.ts';
import type { RefundRequest } from '../bridges/payment-webhook/refund.ts';
import type { ConnectorHealth } from '../bridges/resilience/index.ts';
import type { ShopifyBridgeHealth, ShopifyRequest, ShopifyResult } from '../bridges/shopify-admin/bridge.ts';
import { userErrorsOf } from '../bridges/shopify-admin/protocol.ts';
import type { Connector, ExecutionContext } from '../daemon/core/types.ts';
import {
  CALCULATE,
  COMPLETE,
  CREATE,
  type CheckoutTotals,
  type ContractAddress,
  cheapestRate,
  describeUserErrors,
  draftOrderGid,
  invalid,
  payloadOf,
  ratesOf,
  STATUS,
  toMailingAddress,
  totalsOf,
  variantGid,
} from './checkout-shopify.ts';
import type { CheckoutStore, CompletionRecord } from './checkout-store.ts';
import { formatMicros, sameAmount, toMicros } from './money.ts';

export const CHECKOUT_COMMAND_TYPES = ['CHECKOUT_PRECHECK', 'CHECKOUT_COMPLETE'] as const;

/** What the connector needs of the Shopify bridge (the ShopifyAdminBridge). */
export interface CheckoutShopify {
  /** Connector name in health and metrics (`shopify-admin`). */
  readonly name?: string;
  request(req: ShopifyRequest, signal?: AbortSignal): Promise<ShopifyResult>;
  health(): ShopifyBridgeHealth;
}

/** What the connector needs of the refund webhook (the RefundWebhook). */
export interface RefundRequester {
  /** Connector name in health and metrics (`payment-webhook`). */
  readonly name?: string;
  request(refund: RefundRequest, signal?: AbortSignal): Promise<unknown>;
  health?(): ConnectorHealth;
}

export interface CheckoutConnectorOptions {
  readonly shopify: CheckoutShopify;
  /** Completion and refund ledger; CHECKOUT_COMPLETE is only offered with it and `refunds`. */
  readonly store?: CheckoutStore;
  readonly refunds?: RefundRequester;
  /** A `completing` row older than this is taken over (its worker died). @defaultValue 120_000 */
  readonly staleClaimMs?: number;
  /** Experience sessions: a failed completion with `session_id` and `leg_id` fails that leg. */
  readonly sessions?: SessionStore;
}

type Command = { command_type: string; params: Record<string, unknown>; action_id: string };

/** How the refund went, as the FAILED result reports it. */
type RefundOutcome = {
  status: 'requested' | 'in_progress' | 'failed';
  payment_reference: string;
  /** True when this command made the webhook call (false: an earlier one did, or is doing it). */
  sent_now: boolean;
  error?: string;
};

/**
 * Runs CHECKOUT_PRECHECK and CHECKOUT_COMPLETE against one shop.
 *
 * @example
 * ```ts
 * const checkout = new CheckoutConnector({
 *   shopify: new ShopifyAdminBridge({ shopDomain: 'demo.myshopify.com', accessToken }),
 *   store: createCheckoutStore(ledger),
 *   refunds: new RefundWebhook({ url, secret }),
 * });
 * registry.register(checkout);
 * ```
 */
export class CheckoutConnector implements Connector {
  readonly name = 'checkout';
  readonly commandTypes: readonly string[];
  readonly #shopify: CheckoutShopify;
  readonly #store: CheckoutStore | undefined;
  readonly #refunds: RefundRequester | undefined;
  readonly #staleClaimMs: number;

  readonly #sessions: SessionStore | undefined;
  constructor(options: CheckoutConnectorOptions) {
    this.#shopify = options.shopify;
    this.#store = options.store;
    this.#refunds = options.refunds;
    this.#staleClaimMs = options.staleClaimMs ?? 120_000;
    this.#sessions = options.sessions;
    // Completing without a ledger or a way to refund would break "exactly once" and "refund on
    // failure": such a daemon does not offer CHECKOUT_COMPLETE at all.
    this.commandTypes = this.#store && this.#refunds ? CHECKOUT_COMMAND_TYPES : ['CHECKOUT_PRECHECK'];
  }

  async execute(command: Command, ctx: ExecutionContext): Promise<Record<string, unknown>> {
    if (command.command_type === 'CHECKOUT_PRECHECK') return this.#precheck(command.params, ctx);
    if (command.command_type === 'CHECKOUT_COMPLETE' && this.commandTypes.includes('CHECKOUT_COMPLETE')) {
      return this.#complete(command.params, ctx);
    }
    throw new ConnectorNotConfiguredError({
      connector: this.name,
      commandType: command.command_type,
      message:
        command.command_type === 'CHECKOUT_COMPLETE'
          ? 'CHECKOUT_COMPLETE needs PAYMENT_REFUND_WEBHOOK_URL and PAYMENT_REFUND_WEBHOOK_SECRET'
          : `the checkout connector does not run ${command.command_type.slice(0, 64)}`,
    });
  }

  /** The Shopify bridge's breaker state, last error and cost budget. */
  health(): ShopifyBridgeHealth {
    return this.#shopify.health();
  }

  /**
   * Health of each bridge by connector name (`shopify-admin`, `payment-webhook`), for `/readyz`.
   *
   * @example
   * ```ts
   * checkout.bridgeHealth(); // → { 'shopify-admin': { state: 'closed', … }, 'payment-webhook': { state: 'open', … } }
   * ```
   */
  bridgeHealth(): Record<string, ConnectorHealth> {
    const out: Record<string, ConnectorHealth> = {
      [this.#shopify.name ?? 'shopify-admin']: this.#shopify.health(),
    };
    const refunds = this.#refunds;
    if (refunds?.health) out[refunds.name ?? 'payment-webhook'] = refunds.health();
    return out;
  }

  async #precheck(params: Record<string, unknown>, ctx: ExecutionContext): Promise<Record<string, unknown>> {
    const p = readPrecheck(params);
    const base = {
      lineItems: p.lineItems,
      shippingAddress: toMailingAddress(p.address),
      presentmentCurrencyCode: p.currency,
    };
    // First pass: which shipping rates reach this address; second: the totals with the rate.
    const first = await this.#calculate(base, ctx.signal);
    const rate = cheapestRate(ratesOf(first));
    if (!rate) {
      throw new ConnectorError({
        connector: this.name,
        code: 'REMOTE_ERROR',
        remoteCode: 'NO_SHIPPING_RATE',
        message: 'Shopify offers no shipping rate for these items to params.shipping_address',
        status: 200,
      });
    }
    const input = { ...base, shippingLine: { shippingRateHandle: rate.handle, title: rate.title } };
    const totals = totalsOf(await this.#calculate(input, ctx.signal));
    this.#checkStated(totals, p.currency, p.totalAmount, 'params.total_amount');

    const { data } = await this.#shopify.request(
      {
        operation: 'draftOrderCreate',
        query: CREATE,
        // The note lets a person find the draft of an action whose answer was lost.
        variables: {
          input: {
            ...input,
            tags: ['mcp-orchestrator'],
            note: `mcp-orchestrator ${ctx.agentId}/${ctx.actionId}`,
          },
        },
        idempotent: false,
      },
      ctx.signal,
    );
    const payload = payloadOf(data, 'draftOrderCreate');
    this.#refuseOnUserErrors(payload, 'draftOrderCreate');
    const draft = payload.draftOrder as Record<string, unknown> | null | undefined;
    if (!draft || typeof draft.id !== 'string') throw invalidAnswer('draftOrderCreate.draftOrder.id');
    const drafted = totalsOf(draft);
    // The draft's totals are what CHECKOUT_COMPLETE verifies; a price change between calculate
    // and create shows here, and an amount the agent stated must still hold.
    this.#checkStated(drafted, p.currency, p.totalAmount, 'params.total_amount');
    return {
      status: 'ok',
      draft_order_id: draft.id,
      draft_order_name: typeof draft.name === 'string' ? draft.name : null,
      subtotal: drafted.subtotal,
      tax: drafted.tax,
      shipping: drafted.shipping,
      total: drafted.total,
      currency: drafted.currency,
      // As a number, ready for CHECKOUT_COMPLETE's `total_amount`.
      total_amount: Number(drafted.total),
      shipping_rate: { title: rate.title, amount: rate.amount },
      repriced: !sameAmount(drafted.total, totals.total),
      session_id: p.sessionId,
    };
  }

  async #calculate(input: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { data } = await this.#shopify.request(
      { operation: 'draftOrderCalculate', query: CALCULATE, variables: { input }, idempotent: true },
      signal,
    );
    const payload = payloadOf(data, 'draftOrderCalculate');
    this.#refuseOnUserErrors(payload, 'draftOrderCalculate');
    const calculated = payload.calculatedDraftOrder;
    if (typeof calculated !== 'object' || calculated === null) throw invalidAnswer('calculatedDraftOrder');
    return calculated as Record<string, unknown>;
  }

  #checkStated(totals: CheckoutTotals, currency: string, stated: number | undefined, field: string): void {
    if (totals.currency !== currency) {
      throw invalid(
        'params.currency',
        `is ${currency} but Shopify priced the order in ${totals.currency} (the shop may not sell in ${currency})`,
        'TOTAL_MISMATCH',
      );
    }
    if (stated !== undefined && !sameAmount(stated, totals.total)) {
      throw invalid(
        field,
        `${stated} does not match the computed total ${totals.total} ${totals.currency} (subtotal ${totals.subtotal}, tax ${totals.tax}, shipping ${totals.shipping})`,
        'TOTAL_MISMATCH',
      );
    }
  }

  #refuseOnUserErrors(payload: Record<string, unknown>, operation: string): void {
    const errors = userErrorsOf(payload);
    if (errors.length === 0) return;
    throw new ConnectorError({
      connector: this.name,
      code: 'REMOTE_ERROR',
      remoteCode: 'USER_ERRORS',
      message: `Shopify refused ${operation}: ${describeUserErrors(errors)}`,
      status: 200,
    });
  }

  async #complete(params: Record<string, unknown>, ctx: ExecutionContext): Promise<Record<string, unknown>> {
    const store = this.#store as CheckoutStore;
    const p = readComplete(params);
    const claim = await store.claimCompletion({
      draftOrderId: p.draftOrderId,
      paymentReference: p.paymentReference,
      agentId: ctx.agentId,
      actionId: ctx.actionId,
      sessionId: p.sessionId,
      amount: p.amount,
      currency: p.currency,
    });
    if (!claim.claimed) {
      const ex = claim.existing;
      this.#checkSame(ex, p);
      if (ex.status === 'completed')
        return completedResult(ex.draftOrderId, ex.orderId, ex.orderName, p, true);
      if (ex.status === 'failed') {
        const failure = ex.failure ?? {
          code: 'COMPLETION_FAILED',
          message: 'the draft order could not be completed',
        };
        return this.#failLeg(p, failure, ctx);
      }
      if (
        !(await store.reclaimCompletion(
          p.draftOrderId,
          { agentId: ctx.agentId, actionId: ctx.actionId },
          this.#staleClaimMs,
        ))
      ) {
        throw new RetryableConnectorError({
          connector: this.name,
          code: 'CONFLICT',
          message: `the completion of ${p.draftOrderId} is in progress under another action; try again later`,
        });
      }
    }

    // We hold the claim. Shopify's own status first: a worker that died after Shopify completed
    // the draft (or a person completing it in the admin) must not lead to a second completion.
    const before = await this.#status(p.draftOrderId, ctx.signal);
    if (before === undefined) {
      await store.releaseCompletion(p.draftOrderId, ctx.actionId);
      throw invalid(
        'params.draft_order_id',
        `${p.draftOrderId} is not a draft order of this shop`,
        'REMOTE_ERROR',
      );
    }
    if (before.status === 'COMPLETED') {
      await store.markCompleted(p.draftOrderId, before.order);
      return completedResult(p.draftOrderId, before.order.orderId, before.order.orderName, p, true);
    }
    if (before.currency !== p.currency || !sameAmount(before.total, p.amount)) {
      // Nothing was attempted: release so that a corrected command can go ahead.
      await store.releaseCompletion(p.draftOrderId, ctx.actionId);
      throw invalid(
        'params.total_amount',
        `${p.amount} ${p.currency} does not match the draft order's total ${before.total} ${before.currency}`,
        'TOTAL_MISMATCH',
      );
    }

    // A transport failure here (timeout, 5xx, open breaker) escapes as it is: the outcome is
    // unknown, so the claim stays `completing` and a later attempt re-reads Shopify's status
    // after `staleClaimMs` instead of completing blind.
    const { data } = await this.#shopify.request(
      {
        operation: 'draftOrderComplete',
        query: COMPLETE,
        variables: { id: p.draftOrderId },
        idempotent: false,
      },
      ctx.signal,
    );
    const payload = payloadOf(data, 'draftOrderComplete');
    const errors = userErrorsOf(payload);
    const draft = payload.draftOrder as Record<string, unknown> | null | undefined;
    if (errors.length === 0 && draft && draft.status === 'COMPLETED') {
      const order = orderOf(draft.order);
      await store.markCompleted(p.draftOrderId, order);
      return completedResult(p.draftOrderId, order.orderId, order.orderName, p, false);
    }
    // Refused, or an answer without a completed draft: re-read, since "already completed" is
    // also a refusal and must not turn into a refund.
    const after = await this.#status(p.draftOrderId, ctx.signal);
    if (after?.status === 'COMPLETED') {
      await store.markCompleted(p.draftOrderId, after.order);
      return completedResult(p.draftOrderId, after.order.orderId, after.order.orderName, p, true);
    }
    const message =
      errors.length > 0 ? describeUserErrors(errors) : 'Shopify did not complete the draft order';
    const failure = {
      code: /stock|inventory/i.test(message) ? 'OUT_OF_STOCK' : 'COMPLETION_REFUSED',
      message,
    };
    await store.markFailed(p.draftOrderId, failure);
    return this.#failLeg(p, failure, ctx);
  }

  /** The leg failed after payment: refund once, then fail with what the daemon must record. */
  async #failLeg(
    p: CompleteParams,
    failure: { code: string; message: string },
    ctx: { agentId: string; actionId: string; signal: AbortSignal },
  ): Promise<never> {
    const refund = await this.#refund(p, failure, ctx.signal);
    const leg =
      this.#sessions && p.sessionId && p.legId
        ? await failCheckoutLeg(this.#sessions, {
            sessionId: p.sessionId,
            legId: p.legId,
            agentId: ctx.agentId,
            actionId: ctx.actionId,
            reason: failure.code,
          })
        : undefined;
    const alert =
      refund.sent_now || refund.status === 'failed'
        ? {
            kind: 'checkout_failed',
            severity: refund.status === 'failed' ? ('critical' as const) : ('high' as const),
            summary:
              refund.status === 'failed'
                ? `checkout of ${p.draftOrderId} failed (${failure.code}) and the refund request FAILED: refund by hand`
                : `checkout of ${p.draftOrderId} failed (${failure.code}); refund requested`,
            teams: ['operations', 'payments'],
          }
        : undefined;
    throw new ConnectorError({
      connector: this.name,
      code: 'CHECKOUT_FAILED',
      message: `the draft order could not be completed (${failure.code}: ${failure.message.slice(0, 200)}); refund ${refund.status}`,
      status: 200,
      details: {
        checkout_status: 'failed',
        leg_status: 'failed',
        session_id: p.sessionId,
        ...(leg ? { leg } : {}),
        draft_order_id: p.draftOrderId,
        payment_reference: p.paymentReference,
        amount: p.amount,
        currency: p.currency,
        failure,
        refund,
      },
      ...(alert ? { alert } : {}),
    });
  }

  async #refund(
    p: CompleteParams,
    failure: { code: string; message: string },
    signal: AbortSignal,
  ): Promise<RefundOutcome> {
    const store = this.#store as CheckoutStore;
    const refunds = this.#refunds as RefundRequester;
    const claim = await store.claimRefund({
      paymentReference: p.paymentReference,
      draftOrderId: p.draftOrderId,
      amount: p.amount,
      currency: p.currency,
    });
    if (!claim.send) {
      const s = claim.existing.status;
      return {
        status: s === 'requested' ? 'requested' : s === 'sending' ? 'in_progress' : 'failed',
        payment_reference: p.paymentReference,
        sent_now: false,
      };
    }
    try {
      await refunds.request(
        {
          paymentReference: p.paymentReference,
          amount: p.amount,
          currency: p.currency,
          draftOrderId: p.draftOrderId,
          sessionId: p.sessionId,
          reason: failure,
        },
        signal,
      );
    } catch (err) {
      const error = err instanceof ConnectorError ? `${err.code}: ${err.message}` : 'unexpected error';
      await store.finishRefund(p.paymentReference, { status: 'failed', error });
      return { status: 'failed', payment_reference: p.paymentReference, sent_now: true, error };
    }
    await store.finishRefund(p.paymentReference, { status: 'requested' });
    return { status: 'requested', payment_reference: p.paymentReference, sent_now: true };
  }

  async #status(
    draftOrderId: string,
    signal: AbortSignal,
  ): Promise<
    | {
        status: string;
        total: string;
        currency: string;
        order: { orderId: string | null; orderName: string | null };
      }
    | undefined
  > {
    const { data } = await this.#shopify.request(
      { operation: 'draftOrder', query: STATUS, variables: { id: draftOrderId }, idempotent: true },
      signal,
    );
    const draft = data.draftOrder;
    if (draft === null || draft === undefined) return undefined;
    if (typeof draft !== 'object' || typeof (draft as { status?: unknown }).status !== 'string') {
      throw invalidAnswer('draftOrder.status');
    }
    const d = draft as Record<string, unknown>;
    const bag = d.totalPriceSet as
      | { presentmentMoney?: { amount?: unknown; currencyCode?: unknown } }
      | undefined;
    const amount = bag?.presentmentMoney?.amount;
    const currency = bag?.presentmentMoney?.currencyCode;
    const micros = typeof amount === 'string' ? toMicros(amount) : undefined;
    if (micros === undefined || typeof currency !== 'string') throw invalidAnswer('draftOrder.totalPriceSet');
    return { status: d.status as string, total: formatMicros(micros), currency, order: orderOf(d.order) };
  }

  #checkSame(ex: CompletionRecord, p: CompleteParams): void {
    if (ex.draftOrderId !== p.draftOrderId) {
      throw invalid(
        'params.payment_reference',
        `was already used to pay another draft order (${ex.draftOrderId})`,
        'CONFLICT',
      );
    }
    if (ex.paymentReference !== p.paymentReference) {
      throw invalid(
        'params.draft_order_id',
        'is already being paid with another payment reference',
        'CONFLICT',
      );
    }
    if (ex.currency !== p.currency || !sameAmount(ex.amount, p.amount)) {
      throw invalid(
        'params.total_amount',
        `${p.amount} ${p.currency} differs from ${ex.amount} ${ex.currency} recorded for this payment`,
        'CONFLICT',
      );
    }
  }
}

interface PrecheckParams {
  readonly lineItems: { variantId: string; quantity: number }[];
  readonly address: ContractAddress;
  readonly currency: string;
  readonly totalAmount: number | undefined;
  readonly sessionId: string | null;
}

interface CompleteParams {
  readonly draftOrderId: string;
  readonly paymentReference: string;
  /** Normalised decimal string of `total_amount`. */
  readonly amount: string;
  readonly currency: string;
  readonly sessionId: string | null;
  readonly legId: string | null;
}

// The contract validated these params already; the connector re-reads the fields it uses so a
// job that bypassed the contract still fails with a message naming the field.
function readPrecheck(params: Record<string, unknown>): PrecheckParams {
  const items = params.line_items;
  if (!Array.isArray(items) || items.length === 0)
    throw invalid('params.line_items', 'must be a non-empty list');
  const lineItems = items.map((item: unknown, i) => {
    const it = (item ?? {}) as Record<string, unknown>;
    const field = `params.line_items[${i}]`;
    if (typeof it.variant_id !== 'string') throw invalid(`${field}.variant_id`, 'must be a string');
    if (typeof it.quantity !== 'number' || !Number.isInteger(it.quantity) || it.quantity < 1) {
      throw invalid(`${field}.quantity`, 'must be a positive integer');
    }
    return { variantId: variantGid(it.variant_id, `${field}.variant_id`), quantity: it.quantity };
  });
  const a = params.shipping_address as Record<string, unknown> | undefined;
  if (typeof a !== 'object' || a === null) throw invalid('params.shipping_address', 'must be an object');
  for (const f of ['address1', 'city', 'country_code', 'zip'] as const) {
    if (typeof a[f] !== 'string' || a[f] === '')
      throw invalid(`params.shipping_address.${f}`, 'must be a non-empty string');
  }
  return {
    lineItems,
    address: a as unknown as ContractAddress,
    currency: readCurrency(params.currency),
    totalAmount: params.total_amount === undefined ? undefined : readAmount(params.total_amount),
    sessionId: typeof params.session_id === 'string' ? params.session_id : null,
  };
}

function readComplete(params: Record<string, unknown>): CompleteParams {
  if (typeof params.draft_order_id !== 'string') throw invalid('params.draft_order_id', 'must be a string');
  const ref = params.payment_reference;
  if (typeof ref !== 'string' || ref.trim() === '')
    throw invalid('params.payment_reference', 'must be a non-empty string');
  const micros = toMicros(readAmount(params.total_amount));
  if (micros === undefined) throw invalid('params.total_amount', 'must be an amount with at most 6 decimals');
  return {
    draftOrderId: draftOrderGid(params.draft_order_id, 'params.draft_order_id'),
    paymentReference: ref,
    amount: formatMicros(micros),
    currency: readCurrency(params.currency),
    sessionId: typeof params.session_id === 'string' ? params.session_id : null,
    legId: typeof params.leg_id === 'string' ? params.leg_id : null,
  };
}

function readCurrency(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Z]{3}$/.test(v))
    throw invalid('params.currency', 'must be an ISO 4217 code such as USD');
  return v;
}

function readAmount(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw invalid('params.total_amount', 'must be a number, 0 or more');
  return v;
}

function orderOf(order: unknown): { orderId: string | null; orderName: string | null } {
  const o = (order ?? {}) as Record<string, unknown>;
  return {
    orderId: typeof o.id === 'string' ? o.id : null,
    orderName: typeof o.name === 'string' ? o.name : null,
  };
}

function completedResult(
  draftOrderId: string,
  orderId: string | null,
  orderName: string | null,
  p: CompleteParams,
  replayed: boolean,
): Record<string, unknown> {
  return {
    status: 'completed',
    draft_order_id: draftOrderId,
    order_id: orderId,
    order_name: orderName,
    payment_reference: p.paymentReference,
    total: p.amount,
    currency: p.currency,
    session_id: p.sessionId,
    // True when this command found the draft already completed and completed nothing itself.
    already_completed: replayed,
  };
}

function invalidAnswer(what: string): ConnectorError {
  return new ConnectorError({
    connector: 'checkout',
    code: 'BAD_RESPONSE',
    message: `Shopify's answer lacks ${what}`,
    status: 200,
  });
}
