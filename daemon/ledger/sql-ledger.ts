/**
 * The `Ledger` over any {@link SqlDriver}: one implementation, so Postgres and PGlite cannot
 * drift apart. The adapters (`postgres.ts`, `pglite.ts`) only supply the driver.
 */
import type {
  ActionEvent,
  ActionProgress,
  ApprovalGrant,
  ActionRecord,
  CuratedPartner,
  ActionStatus,
  HistoryContext,
  JuryReviewRow,
  Ledger,
  NewAction,
  NewGrant,
  PartnerStore,
  PartnerUpsert,
  NewSwitchFlip,
  PolicyDecision,
  ProductIdMapping,
  StoredDecision,
  SwitchFlip,
} from '../core/types.ts';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { Batcher } from './batcher.ts';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import { BATCH_SQL } from './sql-batch.ts';
import { migrate } from './migrate.ts';
import { SqlSessionStore } from './sessions.ts';
import { GRANT_SQL, type GrantRow, toGrant, toReview } from './sql-approvals.ts';
import { FLIP_SQL, type FlipRow, toFlip } from './sql-control.ts';
import {
  type MappingRow,
  PARTNER_SQL,
  type PartnerRow,
  type ProgressRow,
  toMapping,
  toPartner,
  toProgress,
} from './sql-partners.ts';
import {
  type ActionRow,
  DENIAL_STATUSES,
  type DecisionRow,
  type EventRow,
  type HistoryRow,
  jsonParam,
  SQL,
  toActionEvent,
  toActionRecord,
  toStoredDecision,
} from './sql.ts';

export interface SqlLedgerOptions {
  /** @defaultValue `supabase/migrations` of this checkout */
  readonly migrationsDir?: string;
  /** Schema the driver's search_path points at; `migrate` creates it when missing. */
  readonly schema?: string;
}

/**
 * A ledger on a SQL driver. Prefer `createLedger`; this is public for tests and tools that bring
 * their own driver.
 *
 * @example
 * ```ts
 * const ledger = new SqlLedger(await openPgliteDriver({}), {});
 * await ledger.migrate();
 * await ledger.createAction({ agentId: 'a1', actionId: 'x1', commandType: 'CHECK_INTEGRATION_STATUS',
 *   command, payloadHash, queue: 'agent-commands' });
 * ```
 */
interface TransitionInput {
  readonly agentId: string;
  readonly actionId: string;
  readonly to: ActionStatus;
  readonly payload: string;
  readonly result: string | null;
  readonly error: string | null;
  readonly from: readonly ActionStatus[] | null;
}

interface AdvanceInput {
  readonly agentId: string;
  readonly actionId: string;
  readonly steps: string;
  readonly from: string;
  readonly decision: PolicyDecision | undefined;
}

interface CreateAdvancedInput {
  readonly a: NewAction;
  readonly steps: string;
  readonly decision: PolicyDecision | undefined;
}

interface DecisionInput {
  readonly agentId: string;
  readonly actionId: string;
  readonly decision: PolicyDecision;
}

interface HistoryInput {
  readonly commandType: string;
  readonly service: string | null;
  readonly agentId: string;
  readonly windowMs: number;
  readonly exclude: string | null;
}

/**
 * Decisions as the statements take them: one array per column, in `DECISION_INPUT` order, with
 * nulls for requests that carry no decision. The one place a decision becomes column values.
 */
function decisionColumns(ds: readonly (PolicyDecision | undefined)[]): unknown[][] {
  return [
    ds.map((d) => d?.action ?? null),
    ds.map((d) => d?.risk ?? null),
    ds.map((d) => (d ? JSON.stringify(d.reasons) : null)),
    ds.map((d) => (d ? jsonParam(d.alert) : null)),
    ds.map((d) => d?.revision ?? null),
    ds.map((d) => (d ? JSON.stringify(d.explanation) : null)),
    // A bigint column: engines measure with performance.now(), which has fractions.
    ds.map((d) => (d ? Math.max(0, Math.round(d.evalMicros)) : null)),
  ];
}

export class SqlLedger implements Ledger, PartnerStore {
  readonly kind: 'postgres' | 'pglite';
  /** Experience sessions on the same database (UPDATE_SESSION_LEG, the sessions API). */
  readonly sessions: SqlSessionStore;
  readonly #db: SqlDriver;
  readonly #opts: SqlLedgerOptions;
  // Group commit for the per-command hot path: concurrent commands share one statement.
  readonly #creates: Batcher<NewAction, ActionRow | undefined>;
  readonly #moves: Batcher<TransitionInput, boolean>;
  readonly #decisions: Batcher<DecisionInput, void>;
  readonly #advances: Batcher<AdvanceInput, boolean>;
  readonly #createsAdvanced: Batcher<CreateAdvancedInput, ActionRow | undefined>;
  readonly #histories: Batcher<HistoryInput, HistoryRow | undefined>;

  /**
   * The driver, for stores that keep their own tables in the ledger database (checkout). Not
   * part of the `Ledger` interface: only `daemon/ledger/` code reaches for it.
   */
  get sql(): SqlExecutor {
    return this.#db;
  }

  constructor(driver: SqlDriver, opts: SqlLedgerOptions = {}) {
    this.kind = driver.kind;
    this.#db = driver;
    this.#opts = opts;
    this.sessions = new SqlSessionStore(driver);
    this.#creates = new Batcher({
      runOne: async (a) => (await this.#db.query<ActionRow>(SQL.createAction, createParams(a)))[0],
      run: async (as) => {
        const rows = await this.#db.query<ActionRow & { idx: number }>(BATCH_SQL.createActions, [
          as.map((a) => a.agentId),
          as.map((a) => a.actionId),
          as.map((a) => a.commandType),
          as.map((a) => JSON.stringify(a.command)),
          as.map((a) => a.payloadHash),
          as.map((a) => a.queue),
          as.map((a) => JSON.stringify({ queue: a.queue })),
          as.map((_, i) => i),
        ]);
        const out: (ActionRow | undefined)[] = as.map(() => undefined);
        for (const r of rows) out[r.idx] = r;
        return out;
      },
    });
    this.#moves = new Batcher({
      key: (m) => `${m.agentId}\u0000${m.actionId}`,
      runOne: async (m) =>
        (
          await this.#db.query<{ seq: number }>(SQL.transition, [
            m.agentId,
            m.actionId,
            m.to,
            m.payload,
            m.result,
            m.error,
            m.from ? [...m.from] : null,
          ])
        ).length > 0,
      run: async (ms) => {
        const rows = await this.#db.query<{ idx: number }>(BATCH_SQL.transitions, [
          ms.map((m) => m.agentId),
          ms.map((m) => m.actionId),
          ms.map((m) => m.to),
          ms.map((m) => m.payload),
          ms.map((m) => m.result),
          ms.map((m) => m.error),
          ms.map((m) => (m.from ? m.from.join(',') : null)),
          ms.map((_, i) => i),
        ]);
        const out = ms.map(() => false);
        for (const r of rows) out[r.idx] = true;
        return out;
      },
    });
    this.#decisions = new Batcher({
      runOne: async (x) => {
        await this.#db.query(SQL.recordDecision, [
          x.agentId,
          x.actionId,
          ...decisionColumns([x.decision]).map((col) => col[0]),
        ]);
      },
      run: async (xs) => {
        await this.#db.query(BATCH_SQL.recordDecisions, [
          xs.map((x) => x.agentId),
          xs.map((x) => x.actionId),
          ...decisionColumns(xs.map((x) => x.decision)),
        ]);
        return xs.map(() => undefined);
      },
    });
    const runAdvances = async (xs: readonly AdvanceInput[]): Promise<boolean[]> => {
      const rows = await this.#db.query<{ idx: number }>(BATCH_SQL.advances, [
        xs.map((x) => x.agentId),
        xs.map((x) => x.actionId),
        xs.map((x) => x.steps),
        xs.map((x) => x.from),
        xs.map((_, i) => i),
        ...decisionColumns(xs.map((x) => x.decision)),
      ]);
      const out = xs.map(() => false);
      for (const r of rows) out[r.idx] = true;
      return out;
    };
    const runCreatesAdvanced = async (
      xs: readonly CreateAdvancedInput[],
    ): Promise<(ActionRow | undefined)[]> => {
      const rows = await this.#db.query<ActionRow & { idx: number }>(BATCH_SQL.createAdvanced, [
        xs.map((x) => x.a.agentId),
        xs.map((x) => x.a.actionId),
        xs.map((x) => x.a.commandType),
        xs.map((x) => JSON.stringify(x.a.command)),
        xs.map((x) => x.a.payloadHash),
        xs.map((x) => x.a.queue),
        xs.map((x) => x.steps),
        xs.map((_, i) => i),
        ...decisionColumns(xs.map((x) => x.decision)),
      ]);
      const out: (ActionRow | undefined)[] = xs.map(() => undefined);
      for (const r of rows) out[r.idx] = r;
      return out;
    };
    this.#createsAdvanced = new Batcher({
      key: (x) => `${x.a.agentId}\u0000${x.a.actionId}`,
      run: runCreatesAdvanced,
      runOne: async (x) => (await runCreatesAdvanced([x]))[0],
    });
    this.#advances = new Batcher({
      key: (x) => `${x.agentId}\u0000${x.actionId}`,
      run: runAdvances,
      runOne: async (x) => (await runAdvances([x]))[0]!,
    });
    this.#histories = new Batcher({
      runOne: async (h) =>
        (
          await this.#db.query<HistoryRow>(SQL.history, [
            h.commandType,
            h.service,
            h.agentId,
            h.windowMs,
            [...DENIAL_STATUSES],
            h.exclude,
          ])
        )[0],
      run: async (hs) => {
        const rows = await this.#db.query<HistoryRow & { idx: number }>(BATCH_SQL.histories, [
          hs.map((h) => h.commandType),
          hs.map((h) => h.service),
          hs.map((h) => h.agentId),
          hs.map((h) => h.windowMs),
          [...DENIAL_STATUSES],
          hs.map((_, i) => i),
          hs.map((h) => h.exclude),
        ]);
        const out: (HistoryRow | undefined)[] = hs.map(() => undefined);
        for (const r of rows) out[r.idx] = r;
        return out;
      },
    });
  }

  migrate(): Promise<string[]> {
    return migrate(this.#db, { dir: this.#opts.migrationsDir, schema: this.#opts.schema });
  }

  async createAction(a: NewAction): Promise<{ created: boolean; action: ActionRecord }> {
    const row = await this.#creates.submit(a);
    if (row) return { created: true, action: toActionRecord(row) };
    // ON CONFLICT DO NOTHING waited for any concurrent insert of the same key to commit, and this
    // read is a new statement (new snapshot), so the row is there.
    const existing = await this.getAction(a.agentId, a.actionId);
    if (!existing) {
      throw new OrchestratorError(LedgerErrors.UNAVAILABLE, {
        reason: `action ${a.actionId} conflicted on insert but could not be read back`,
      });
    }
    return { created: false, action: existing };
  }

  async createAdvanced(
    a: NewAction,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    decision?: PolicyDecision,
  ): Promise<ActionRecord | undefined> {
    const row = await this.#createsAdvanced.submit({
      a,
      steps: JSON.stringify([
        { status: 'QUEUED', payload: { queue: a.queue } },
        ...steps.map((s) => ({ status: s.to, payload: s.payload })),
      ]),
      decision,
    });
    return row && toActionRecord(row);
  }

  async getAction(agentId: string, actionId: string): Promise<ActionRecord | undefined> {
    const [row] = await this.#db.query<ActionRow>(SQL.getAction, [agentId, actionId]);
    return row && toActionRecord(row);
  }

  async findAction(actionId: string): Promise<ActionRecord | undefined> {
    const [row] = await this.#db.query<ActionRow>(SQL.findAction, [actionId]);
    return row && toActionRecord(row);
  }

  async countActions(q: { status: ActionStatus; limit: number }): Promise<number> {
    const [row] = await this.#db.query<{ n: number }>(SQL.countActions, [q.status, q.limit]);
    return row?.n ?? 0;
  }

  async listActions(q: { status?: ActionStatus; agentId?: string; limit: number }): Promise<ActionRecord[]> {
    const rows = await this.#db.query<ActionRow>(SQL.listActions, [
      q.status ?? null,
      q.agentId ?? null,
      q.limit,
    ]);
    return rows.map(toActionRecord);
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
    return this.#moves.submit({
      agentId,
      actionId,
      to,
      payload: JSON.stringify(payload),
      result: jsonParam(opts.result),
      error: jsonParam(opts.error),
      from: opts.from ?? null,
    });
  }

  async recordDecision(agentId: string, actionId: string, d: PolicyDecision): Promise<void> {
    await this.#decisions.submit({ agentId, actionId, decision: d });
  }

  advance(
    agentId: string,
    actionId: string,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    opts: { from: readonly ActionStatus[]; decision?: PolicyDecision },
  ): Promise<boolean> {
    if (steps.length === 0) throw new Error('advance needs at least one step');
    return this.#advances.submit({
      agentId,
      actionId,
      steps: JSON.stringify(steps.map((s) => ({ status: s.to, payload: s.payload }))),
      from: opts.from.join(','),
      decision: opts.decision,
    });
  }

  async events(agentId: string, actionId: string): Promise<ActionEvent[]> {
    const rows = await this.#db.query<EventRow>(SQL.events, [agentId, actionId]);
    return rows.map(toActionEvent);
  }

  async decisions(agentId: string, actionId: string): Promise<StoredDecision[]> {
    const rows = await this.#db.query<DecisionRow>(SQL.decisions, [agentId, actionId]);
    return rows.map(toStoredDecision);
  }

  async history(q: {
    commandType: string;
    service?: string;
    agentId: string;
    windowMs: number;
    excludeActionId?: string;
  }): Promise<HistoryContext> {
    const row = await this.#histories.submit({
      commandType: q.commandType,
      service: q.service ?? null,
      agentId: q.agentId,
      windowMs: q.windowMs,
      exclude: q.excludeActionId ?? null,
    });
    return {
      service: { attempts_1h: row?.service_attempts ?? 0, denials_1h: row?.service_denials ?? 0 },
      agent: { attempts_1h: row?.agent_attempts ?? 0, denials_1h: row?.agent_denials ?? 0 },
    };
  }

  async grantApproval(g: NewGrant): Promise<boolean> {
    const rows = await this.#db.query<{ agent_id: string }>(GRANT_SQL.grant, [
      g.agentId,
      g.actionId,
      g.approver,
      g.decision,
      g.reason,
      g.paramsDigest,
      g.policyRevision,
      g.expiresAt,
    ]);
    return rows.length > 0;
  }

  async juryReviews(since: string): Promise<JuryReviewRow[]> {
    const rows = await this.#db.query<{ human: string; jury: Record<string, unknown> }>(GRANT_SQL.reviews, [
      since,
    ]);
    return rows.map(toReview).filter((r): r is JuryReviewRow => r !== undefined);
  }

  async consumeGrant(agentId: string, actionId: string): Promise<ApprovalGrant | undefined> {
    const [row] = await this.#db.query<GrantRow>(GRANT_SQL.consume, [agentId, actionId]);
    return row && toGrant(row);
  }

  async lapsedGrants(q: { limit: number; agentId?: string; actionId?: string }): Promise<ApprovalGrant[]> {
    const rows = await this.#db.query<GrantRow>(GRANT_SQL.lapsed, [
      q.limit,
      q.agentId ?? null,
      q.actionId ?? null,
    ]);
    return rows.map(toGrant);
  }

  async appendProgress(
    agentId: string,
    actionId: string,
    kind: string,
    payload: Record<string, unknown>,
  ): Promise<number> {
    const [row] = await this.#db.query<{ id: string | number }>(PARTNER_SQL.appendProgress, [
      agentId,
      actionId,
      kind,
      JSON.stringify(payload),
    ]);
    return Number(row?.id ?? 0);
  }

  async progressSince(agentId: string, actionId: string, afterId: number): Promise<ActionProgress[]> {
    const rows = await this.#db.query<ProgressRow>(PARTNER_SQL.progressSince, [agentId, actionId, afterId]);
    return rows.map(toProgress);
  }

  async upsertPartner(p: PartnerUpsert): Promise<{ created: boolean; partner: CuratedPartner }> {
    const [row] = await this.#db.query<PartnerRow>(PARTNER_SQL.upsert, [
      p.slug,
      p.shopUrl,
      p.mcpEndpoint,
      JSON.stringify(p.capabilities),
      p.pricePremiumPercent,
      p.enabled,
    ]);
    if (!row) {
      throw new OrchestratorError(LedgerErrors.UNAVAILABLE, { reason: `partner ${p.slug} was not stored` });
    }
    return { created: row.inserted === true, partner: toPartner(row) };
  }

  async listPartners(q: { enabledOnly?: boolean } = {}): Promise<CuratedPartner[]> {
    const rows = await this.#db.query<PartnerRow>(PARTNER_SQL.list, [q.enabledOnly === true]);
    return rows.map(toPartner);
  }

  async saveProductMappings(mappings: readonly ProductIdMapping[]): Promise<void> {
    if (mappings.length === 0) return;
    await this.#db.query(PARTNER_SQL.saveMappings, [
      mappings.map((m) => m.maskedId),
      mappings.map((m) => m.partnerSlug),
      mappings.map((m) => m.originalId),
    ]);
  }

  async resolveProductId(maskedId: string): Promise<ProductIdMapping | undefined> {
    const [row] = await this.#db.query<MappingRow>(PARTNER_SQL.resolve, [maskedId]);
    return row && toMapping(row);
  }

  async recordSwitchFlip(f: NewSwitchFlip): Promise<void> {
    await this.#db.query(FLIP_SQL.record, [
      f.version,
      f.operation,
      f.scopeKind,
      f.scopeValue,
      f.subject,
      f.reason,
      JSON.stringify(f.state),
    ]);
  }

  async switchFlips(q: { limit: number }): Promise<SwitchFlip[]> {
    const rows = await this.#db.query<FlipRow>(FLIP_SQL.latest, [q.limit]);
    return rows.map(toFlip);
  }

  async ping(): Promise<void> {
    await this.#db.query(SQL.ping);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

function createParams(a: NewAction): unknown[] {
  return [
    a.agentId,
    a.actionId,
    a.commandType,
    JSON.stringify(a.command),
    a.payloadHash,
    a.queue,
    JSON.stringify({ queue: a.queue }),
  ];
}
