/**
 * The JSON shapes the HTTP API answers with, and their mapping from ledger records. The agent SDK
 * imports these types (types only), so the server and its clients cannot drift apart.
 *
 * The API speaks snake_case, like the command contract agents write; the ledger's camelCase
 * records never leak out unmapped.
 *
 * @example
 * ```ts
 * const view = actionView(record, await ledger.decisions(a, id), await ledger.events(a, id));
 * ```
 */
import type { ActionEvent, ActionRecord, ActionStatus, Alert, Risk, StoredDecision } from '../core/types.ts';

/** Answer of `POST /v1/commands`. */
export interface SubmitView {
  readonly action_id: string;
  readonly status: ActionStatus;
}

export interface DecisionView {
  readonly action: 'allow' | 'judge' | 'block';
  readonly risk: Risk;
  readonly reasons: readonly string[];
  readonly alert: Alert | null;
  readonly revision: string;
  readonly explanation: readonly { readonly rule: string; readonly file: string; readonly line: number }[];
  readonly eval_micros: number;
}

export interface EventView {
  readonly seq: number;
  readonly status: ActionStatus;
  readonly payload: Record<string, unknown>;
  readonly at: string;
}

/** Answer of `GET /v1/actions/:action_id`. */
export interface ActionView {
  readonly action_id: string;
  readonly agent_id: string;
  readonly command_type: string;
  readonly status: ActionStatus;
  /** The latest policy decision, or null before the policy has decided. */
  readonly decision: DecisionView | null;
  readonly result: Record<string, unknown> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly events: readonly EventView[];
  readonly created_at: string;
  readonly updated_at: string;
}

/** One row of `GET /v1/actions` (no events or decision: one query per page, not per row). */
export interface ActionSummaryView {
  readonly action_id: string;
  readonly agent_id: string;
  readonly command_type: string;
  readonly status: ActionStatus;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly created_at: string;
  readonly updated_at: string;
}

/** Answer of `GET /v1/actions`. */
export interface ActionListView {
  readonly actions: readonly ActionSummaryView[];
}

/** Every error answer. */
export interface ErrorView {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: Record<string, unknown>;
  };
}

/** The latest decision: decisions come oldest first from the ledger, but sort to be sure. */
function latest(decisions: readonly StoredDecision[]): StoredDecision | undefined {
  let best: StoredDecision | undefined;
  for (const d of decisions) if (best === undefined || d.at >= best.at) best = d;
  return best;
}

export function decisionView(d: StoredDecision): DecisionView {
  return {
    action: d.action,
    risk: d.risk,
    reasons: d.reasons,
    alert: d.alert,
    revision: d.revision,
    explanation: d.explanation,
    eval_micros: d.evalMicros,
  };
}

export function summaryView(a: ActionRecord): ActionSummaryView {
  return {
    action_id: a.actionId,
    agent_id: a.agentId,
    command_type: a.commandType,
    status: a.status,
    error: a.error,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export function actionView(
  a: ActionRecord,
  decisions: readonly StoredDecision[],
  events: readonly ActionEvent[],
): ActionView {
  const d = latest(decisions);
  return {
    action_id: a.actionId,
    agent_id: a.agentId,
    command_type: a.commandType,
    status: a.status,
    decision: d ? decisionView(d) : null,
    result: a.result,
    error: a.error,
    events: [...events]
      .sort((x, y) => x.seq - y.seq)
      .map((e) => ({ seq: e.seq, status: e.status, payload: e.payload, at: e.at })),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}
