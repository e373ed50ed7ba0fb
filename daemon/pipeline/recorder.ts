/**
 * Records the pipeline's steps: every state-machine edge is checked against TRANSITIONS,
 * written to the ledger first (compare-and-set), and only then announced on the event bus, so
 * metrics, alerts and logs only ever describe recorded facts.
 */
import type { EventBus } from '../core/events.ts';
import {
  type ActionRecord,
  type ActionStatus,
  type Ledger,
  type PolicyDecision,
  TRANSITIONS,
} from '../core/types.ts';
import { DENIAL_STATUSES, type HistoryStore } from '../history/history.ts';

/** The service a command names (`params.service`), for alerts that must say what was asked for. */
export function serviceOf(command: Record<string, unknown>): string | undefined {
  const params = command.params;
  if (params === null || typeof params !== 'object') return undefined;
  const service = (params as Record<string, unknown>).service;
  return typeof service === 'string' ? service : undefined;
}

/** What the ledger accepts as a progress kind (action_progress_kind_check). */
const PROGRESS_KIND = /^[a-z][a-z0-9_.]{0,63}$/;

/** One edge of a multi-step write. */
export type Step = { readonly to: ActionStatus; readonly payload: Record<string, unknown> };

export class Recorder {
  private readonly ledger: Ledger;
  private readonly bus: EventBus;
  private readonly history: HistoryStore | undefined;

  constructor(ledger: Ledger, bus: EventBus, history?: HistoryStore) {
    this.ledger = ledger;
    this.bus = bus;
    this.history = history;
  }

  /** Several state-machine edges and the decision in one ledger write, then announced. */
  async advance(
    action: ActionRecord,
    steps: readonly Step[],
    from: readonly ActionStatus[],
    decision?: PolicyDecision,
  ): Promise<boolean> {
    let prev = from[0]!;
    for (const st of steps) {
      if (!TRANSITIONS[prev].includes(st.to)) throw new Error(`illegal transition ${prev} -> ${st.to}`);
      prev = st.to;
    }
    if (steps.length === 0) {
      if (decision) await this.ledger.recordDecision(action.agentId, action.actionId, decision);
      return true;
    }
    const t0 = performance.now();
    const ok = await this.ledger.advance(action.agentId, action.actionId, steps, {
      from,
      ...(decision ? { decision } : {}),
    });
    this.bus.emit('stage', {
      stage: 'ledger',
      ms: performance.now() - t0,
      commandType: action.commandType,
    });
    if (ok) {
      let f: ActionStatus = from[0]!;
      for (const st of steps) {
        this.announce(action, f, st.to, st.payload);
        f = st.to;
      }
    }
    return ok;
  }

  /**
   * The `progress` callback of a connector's ExecutionContext: appends to the action's progress
   * (not a transition). Undefined when the ledger keeps no progress.
   */
  progressFor(action: ActionRecord): ((payload: Record<string, unknown>) => Promise<void>) | undefined {
    const ledger = this.ledger;
    if (!ledger.appendProgress) return undefined;
    return async (payload) => {
      const kind =
        typeof payload.kind === 'string' && PROGRESS_KIND.test(payload.kind) ? payload.kind : 'progress';
      await ledger.appendProgress?.(action.agentId, action.actionId, kind, payload);
    };
  }

  needsApproval(action: ActionRecord): void {
    const service = serviceOf(action.command);
    this.alert(
      'needs_approval',
      'warning',
      `${action.commandType} from ${action.agentId} needs approval${service ? ` (service ${service})` : ''}`,
      {
        agent: action.agentId,
        service: service ?? null,
        action_id: action.actionId,
        command_type: action.commandType,
      },
      ['operations'],
    );
  }

  /** One state-machine edge: checked against TRANSITIONS, written to the ledger, announced. */
  async move(
    action: ActionRecord,
    to: ActionStatus,
    payload: Record<string, unknown>,
    opts: {
      from: readonly ActionStatus[];
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    },
  ): Promise<boolean> {
    for (const f of opts.from) {
      if (!TRANSITIONS[f].includes(to)) throw new Error(`illegal transition ${f} -> ${to}`);
    }
    const t0 = performance.now();
    const ok = await this.ledger.transition(action.agentId, action.actionId, to, payload, opts);
    this.bus.emit('stage', {
      stage: 'ledger',
      ms: performance.now() - t0,
      commandType: action.commandType,
    });
    if (ok) this.announce(action, opts.from[0], to, payload);
    return ok;
  }

  announce(
    action: ActionRecord,
    from: ActionStatus | undefined,
    to: ActionStatus,
    payload: Record<string, unknown>,
  ): void {
    if (this.history && DENIAL_STATUSES.has(to)) this.countDenial(action, this.history);
    this.bus.emit('transition', {
      agentId: action.agentId,
      actionId: action.actionId,
      commandType: action.commandType,
      from,
      to,
      payload,
    });
  }

  /**
   * Feeds a recorded denial to the history counters. The action is already terminal, so
   * nothing waits on this; if the store cannot take it, the policy's denial counts run low
   * until it can, and the alert says so.
   */
  private countDenial(action: ActionRecord, history: HistoryStore): void {
    const params = (action.command.params ?? {}) as Record<string, unknown>;
    history
      .recordDenial({
        agentId: action.agentId,
        actionId: action.actionId,
        commandType: action.commandType,
        service: typeof params.service === 'string' ? params.service : undefined,
      })
      .catch((err: unknown) =>
        this.alert(
          'history_unavailable',
          'warning',
          `Could not count the denial of ${action.actionId} in the policy's history`,
          { agent: action.agentId, action_id: action.actionId, error: (err as Error).message },
          ['engineering'],
        ),
      );
  }

  alert(
    kind: string,
    severity: 'critical' | 'high' | 'warning' | 'info',
    summary: string,
    details: Record<string, unknown>,
    teams: readonly string[] = ['security'],
  ): void {
    const actionId = typeof details.action_id === 'string' ? details.action_id : undefined;
    this.bus.emit('alert', {
      kind,
      summary,
      alert: { severity, teams },
      details,
      ...(actionId ? { actionId } : {}),
    });
  }
}
