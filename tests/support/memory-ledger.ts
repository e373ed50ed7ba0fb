/**
 * An in-memory {@link Ledger} for tests of the parts that sit on the ledger seam (API, metrics,
 * SDK). The real adapters (Postgres, PGlite) are tested on their own against real databases;
 * this one only has to keep the interface's promises: idempotent create, compare-and-set
 * transitions along the state machine, append-only events, newest-first listing.
 *
 * `failWith` makes every call reject, to test how callers behave when the ledger is down.
 *
 * @example
 * ```ts
 * const ledger = new MemoryLedger();
 * await ledger.createAction({ agentId: 'a', actionId: 'x', commandType: 'CHECK_INTEGRATION_STATUS', command: {}, payloadHash: 'h', queue: 'q' });
 * await ledger.transition('a', 'x', 'EVALUATING', {});
 * ```
 */
import type {
  ActionEvent,
  ApprovalGrant,
  ActionRecord,
  ActionStatus,
  HistoryContext,
  JuryReviewRow,
  Ledger,
  NewAction,
  NewGrant,
  NewSwitchFlip,
  PolicyDecision,
  StoredDecision,
  SwitchFlip,
} from '../../daemon/core/types.ts';
import { TRANSITIONS } from '../../daemon/core/types.ts';

interface Row {
  record: ActionRecord;
  events: ActionEvent[];
  decisions: StoredDecision[];
  /** Insertion order, to break ties between equal timestamps. */
  order: number;
}

export class MemoryLedger implements Ledger {
  readonly kind = 'pglite' as const;
  /** When set, every method rejects with it (the store is "down"). */
  failWith: Error | undefined;
  private readonly rows = new Map<string, Row>();
  private readonly grants = new Map<string, ApprovalGrant>();
  private readonly flips: SwitchFlip[] = [];
  private seq = 0;
  private order = 0;
  private readonly now: () => Date;

  constructor(opts: { now?: () => Date } = {}) {
    this.now = opts.now ?? (() => new Date());
  }

  private key(agentId: string, actionId: string): string {
    return `${agentId}\0${actionId}`;
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }

  async migrate(): Promise<string[]> {
    this.check();
    return [];
  }

  async createAction(a: NewAction): Promise<{ created: boolean; action: ActionRecord }> {
    this.check();
    const existing = this.rows.get(this.key(a.agentId, a.actionId));
    if (existing) return { created: false, action: existing.record };
    const at = this.now().toISOString();
    const record: ActionRecord = {
      agentId: a.agentId,
      actionId: a.actionId,
      commandType: a.commandType,
      status: 'QUEUED',
      command: structuredClone(a.command),
      payloadHash: a.payloadHash,
      queue: a.queue,
      result: null,
      error: null,
      createdAt: at,
      updatedAt: at,
    };
    const row: Row = {
      record,
      events: [{ seq: ++this.seq, status: 'QUEUED', payload: {}, at }],
      decisions: [],
      order: ++this.order,
    };
    this.rows.set(this.key(a.agentId, a.actionId), row);
    return { created: true, action: record };
  }

  async createAdvanced(
    a: NewAction,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    decision?: PolicyDecision,
  ): Promise<ActionRecord | undefined> {
    this.check();
    if (this.rows.has(this.key(a.agentId, a.actionId))) return undefined;
    await this.createAction(a);
    for (const step of steps) await this.transition(a.agentId, a.actionId, step.to, step.payload);
    if (decision) await this.recordDecision(a.agentId, a.actionId, decision);
    return this.rows.get(this.key(a.agentId, a.actionId))?.record;
  }

  async countActions(q: { status: ActionStatus; limit: number }): Promise<number> {
    this.check();
    let n = 0;
    for (const row of this.rows.values()) if (row.record.status === q.status && n < q.limit) n++;
    return n;
  }

  async getAction(agentId: string, actionId: string): Promise<ActionRecord | undefined> {
    this.check();
    return this.rows.get(this.key(agentId, actionId))?.record;
  }

  async findAction(actionId: string): Promise<ActionRecord | undefined> {
    this.check();
    let best: Row | undefined;
    for (const r of this.rows.values()) {
      if (r.record.actionId === actionId && (best === undefined || r.order > best.order)) best = r;
    }
    return best?.record;
  }

  async listActions(q: { status?: ActionStatus; agentId?: string; limit: number }): Promise<ActionRecord[]> {
    this.check();
    return [...this.rows.values()]
      .filter(
        (r) =>
          (q.status === undefined || r.record.status === q.status) &&
          (q.agentId === undefined || r.record.agentId === q.agentId),
      )
      .sort((a, b) => b.order - a.order)
      .slice(0, q.limit)
      .map((r) => r.record);
  }

  async transition(
    agentId: string,
    actionId: string,
    to: ActionStatus,
    payload: Record<string, unknown>,
    opts: {
      from?: readonly ActionStatus[];
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    } = {},
  ): Promise<boolean> {
    this.check();
    const row = this.rows.get(this.key(agentId, actionId));
    if (!row) return false;
    const current = row.record.status;
    if (opts.from && !opts.from.includes(current)) return false;
    if (!TRANSITIONS[current].includes(to)) {
      throw new Error(`illegal transition ${current} → ${to} for ${actionId}`);
    }
    const at = this.now().toISOString();
    row.record = {
      ...row.record,
      status: to,
      updatedAt: at,
      ...(opts.result ? { result: opts.result } : {}),
      ...(opts.error ? { error: opts.error } : {}),
    };
    row.events.push({ seq: ++this.seq, status: to, payload: structuredClone(payload), at });
    return true;
  }

  async recordDecision(agentId: string, actionId: string, d: PolicyDecision): Promise<void> {
    this.check();
    const row = this.rows.get(this.key(agentId, actionId));
    if (!row) throw new Error(`no action ${actionId} of ${agentId}`);
    row.decisions.push({ ...d, at: this.now().toISOString() });
  }

  async advance(
    agentId: string,
    actionId: string,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    opts: { from: readonly ActionStatus[]; decision?: PolicyDecision },
  ): Promise<boolean> {
    this.check();
    const row = this.rows.get(this.key(agentId, actionId));
    if (!row || !opts.from.includes(row.record.status)) return false;
    for (const step of steps) await this.transition(agentId, actionId, step.to, step.payload);
    if (opts.decision) await this.recordDecision(agentId, actionId, opts.decision);
    return true;
  }

  async events(agentId: string, actionId: string): Promise<ActionEvent[]> {
    this.check();
    return [...(this.rows.get(this.key(agentId, actionId))?.events ?? [])];
  }

  async decisions(agentId: string, actionId: string): Promise<StoredDecision[]> {
    this.check();
    return [...(this.rows.get(this.key(agentId, actionId))?.decisions ?? [])];
  }

  async history(q: {
    commandType: string;
    service?: string;
    agentId: string;
    windowMs: number;
    excludeActionId?: string;
  }): Promise<HistoryContext> {
    this.check();
    const since = this.now().getTime() - q.windowMs;
    const recent = [...this.rows.values()].filter(
      (r) =>
        r.record.commandType === q.commandType &&
        Date.parse(r.record.createdAt) >= since &&
        !(r.record.agentId === q.agentId && r.record.actionId === q.excludeActionId),
    );
    const denied = (r: Row): boolean => r.record.status === 'BLOCKED' || r.record.status === 'REJECTED';
    const ofService = recent.filter(
      (r) =>
        q.service === undefined ||
        (r.record.command.params as { service?: unknown } | undefined)?.service === q.service,
    );
    const ofAgent = recent.filter((r) => r.record.agentId === q.agentId);
    return {
      service: { attempts_1h: ofService.length, denials_1h: ofService.filter(denied).length },
      agent: { attempts_1h: ofAgent.length, denials_1h: ofAgent.filter(denied).length },
    };
  }

  async grantApproval(g: NewGrant): Promise<boolean> {
    this.check();
    const k = this.key(g.agentId, g.actionId);
    if (this.grants.has(k)) return false;
    this.grants.set(k, { ...g, usedAt: null, createdAt: this.now().toISOString() });
    return true;
  }

  async recordSwitchFlip(f: NewSwitchFlip): Promise<void> {
    this.check();
    this.flips.push({ ...f, at: this.now().toISOString() });
  }

  async switchFlips(q: { limit: number }): Promise<SwitchFlip[]> {
    this.check();
    return [...this.flips].reverse().slice(0, q.limit);
  }

  async juryReviews(since: string): Promise<JuryReviewRow[]> {
    this.check();
    const out: JuryReviewRow[] = [];
    for (const [k, g] of this.grants) {
      if (g.createdAt < since) continue;
      const row = this.rows.get(k);
      const jury = [...(row?.events ?? [])]
        .reverse()
        .find((e) => e.payload.jury && typeof e.payload.jury === 'object')?.payload.jury as
        | { outcome?: string; votes?: { verdict?: unknown }[] }
        | undefined;
      if (!jury || (jury.outcome !== 'approve' && jury.outcome !== 'needs_approval')) continue;
      out.push({
        jury: jury.outcome,
        human: g.decision,
        verdicts: (jury.votes ?? []).map((v) =>
          v.verdict === 'approve' || v.verdict === 'reject' ? v.verdict : null,
        ),
      });
    }
    return out;
  }

  async consumeGrant(agentId: string, actionId: string): Promise<ApprovalGrant | undefined> {
    this.check();
    const k = this.key(agentId, actionId);
    const g = this.grants.get(k);
    const now = this.now();
    if (!g || g.usedAt !== null || Date.parse(g.expiresAt) <= now.getTime()) return undefined;
    const used = { ...g, usedAt: now.toISOString() };
    this.grants.set(k, used);
    return used;
  }

  async lapsedGrants(q: { limit: number; agentId?: string; actionId?: string }): Promise<ApprovalGrant[]> {
    this.check();
    const now = this.now().getTime();
    return [...this.grants.values()]
      .filter(
        (g) =>
          g.usedAt === null &&
          g.decision === 'approve' &&
          Date.parse(g.expiresAt) <= now &&
          this.rows.get(this.key(g.agentId, g.actionId))?.record.status === 'NEEDS_APPROVAL' &&
          (q.agentId === undefined || g.agentId === q.agentId) &&
          (q.actionId === undefined || g.actionId === q.actionId),
      )
      .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
      .slice(0, q.limit);
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {}
}
