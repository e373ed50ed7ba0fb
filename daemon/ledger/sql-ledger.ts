/**
 * The `Ledger` over any {@link SqlDriver}: one implementation, so Postgres and PGlite cannot
 * drift apart. The adapters (`postgres.ts`, `pglite.ts`) only supply the driver.
 */
import type {
  ActionEvent,
  ActionRecord,
  ActionStatus,
  HistoryContext,
  Ledger,
  NewAction,
  PolicyDecision,
  StoredDecision,
} from '../core/types.ts';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { SqlDriver } from './driver.ts';
import { migrate } from './migrate.ts';
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
export class SqlLedger implements Ledger {
  readonly kind: 'postgres' | 'pglite';
  readonly #db: SqlDriver;
  readonly #opts: SqlLedgerOptions;

  constructor(driver: SqlDriver, opts: SqlLedgerOptions = {}) {
    this.kind = driver.kind;
    this.#db = driver;
    this.#opts = opts;
  }

  migrate(): Promise<string[]> {
    return migrate(this.#db, { dir: this.#opts.migrationsDir, schema: this.#opts.schema });
  }

  async createAction(a: NewAction): Promise<{ created: boolean; action: ActionRecord }> {
    const [row] = await this.#db.query<ActionRow>(SQL.createAction, [
      a.agentId,
      a.actionId,
      a.commandType,
      JSON.stringify(a.command),
      a.payloadHash,
      a.queue,
      JSON.stringify({ queue: a.queue }),
    ]);
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

  async getAction(agentId: string, actionId: string): Promise<ActionRecord | undefined> {
    const [row] = await this.#db.query<ActionRow>(SQL.getAction, [agentId, actionId]);
    return row && toActionRecord(row);
  }

  async findAction(actionId: string): Promise<ActionRecord | undefined> {
    const [row] = await this.#db.query<ActionRow>(SQL.findAction, [actionId]);
    return row && toActionRecord(row);
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
    const rows = await this.#db.query<{ seq: number }>(SQL.transition, [
      agentId,
      actionId,
      to,
      JSON.stringify(payload),
      jsonParam(opts.result),
      jsonParam(opts.error),
      opts.from ? [...opts.from] : null,
    ]);
    return rows.length > 0;
  }

  async recordDecision(agentId: string, actionId: string, d: PolicyDecision): Promise<void> {
    await this.#db.query(SQL.recordDecision, [
      agentId,
      actionId,
      d.action,
      d.risk,
      JSON.stringify(d.reasons),
      jsonParam(d.alert),
      d.revision,
      JSON.stringify(d.explanation),
      // A bigint column: engines measure with performance.now(), which has fractions.
      Math.max(0, Math.round(d.evalMicros)),
    ]);
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
  }): Promise<HistoryContext> {
    const [row] = await this.#db.query<HistoryRow>(SQL.history, [
      q.commandType,
      q.service ?? null,
      q.agentId,
      q.windowMs,
      [...DENIAL_STATUSES],
    ]);
    return {
      service: { attempts_1h: row?.service_attempts ?? 0, denials_1h: row?.service_denials ?? 0 },
      agent: { attempts_1h: row?.agent_attempts ?? 0, denials_1h: row?.agent_denials ?? 0 },
    };
  }

  async ping(): Promise<void> {
    await this.#db.query(SQL.ping);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
