/**
 * The {@link SessionStore} on the ledger's SQL driver (Postgres or PGlite): experience sessions,
 * their legs and the admin overrides. The SQL is in `sql-sessions.ts`.
 */
import type {
  LegOverride,
  NewSession,
  SessionLeg,
  SessionRecord,
  SessionStore,
} from '../../connectors/session-store.ts';
import type { SqlDriver } from './driver.ts';
import {
  type LegRow,
  type OverrideRow,
  SESSION_SQL,
  type SessionRow,
  toLeg,
  toOverride,
} from './sql-sessions.ts';
import { toIso } from './sql.ts';

/**
 * Sessions in the ledger's database. Get one from `SqlLedger.sessions`.
 *
 * @example
 * ```ts
 * const { created } = await ledger.sessions.createSession({ sessionId: 's-1', ownerAgentId: 'agent-7',
 *   createdBy: 'root', legs: [{ legId: 'stay' }, { legId: 'dinner', kind: 'activity' }] });
 * const moved = await ledger.sessions.setLegStatus({ sessionId: 's-1', legId: 'stay', from: 'pending',
 *   to: 'ready', reason: null, updatedBy: 'agent/agent-7/a-1' });
 * ```
 */
export class SqlSessionStore implements SessionStore {
  readonly #db: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#db = driver;
  }

  async createSession(s: NewSession): Promise<{ created: boolean; session: SessionRecord }> {
    const created = await this.#db.transaction(async (tx) => {
      const [row] = await tx.query<SessionRow>(SESSION_SQL.createSession, [
        s.sessionId,
        s.ownerAgentId,
        s.createdBy,
      ]);
      if (!row) return false;
      if (s.legs.length > 0) {
        await tx.query(SESSION_SQL.createLegs, [
          s.sessionId,
          s.legs.map((l) => l.legId),
          s.legs.map((l) => l.kind ?? 'leg'),
          s.legs.map((_, i) => i),
        ]);
      }
      return true;
    });
    const session = await this.getSession(s.sessionId);
    if (!session) throw new Error(`session ${s.sessionId} was written but cannot be read back`);
    return { created, session };
  }

  async getSession(sessionId: string): Promise<SessionRecord | undefined> {
    const [row] = await this.#db.query<SessionRow>(SESSION_SQL.getSession, [sessionId]);
    if (!row) return undefined;
    const legs = await this.#db.query<LegRow>(SESSION_SQL.legsOf, [sessionId]);
    return {
      sessionId: row.session_id,
      ownerAgentId: row.owner_agent_id,
      createdBy: row.created_by,
      createdAt: toIso(row.created_at),
      updatedAt: toIso(row.updated_at),
      legs: legs.map(toLeg),
    };
  }

  async getLeg(
    sessionId: string,
    legId: string,
  ): Promise<(SessionLeg & { ownerAgentId: string }) | undefined> {
    const [row] = await this.#db.query<LegRow & { owner_agent_id: string }>(SESSION_SQL.getLeg, [
      sessionId,
      legId,
    ]);
    return row && { ...toLeg(row), ownerAgentId: row.owner_agent_id };
  }

  async setLegStatus(q: Parameters<SessionStore['setLegStatus']>[0]): Promise<SessionLeg | undefined> {
    const [row] = await this.#db.query<LegRow>(SESSION_SQL.setLegStatus, [
      q.sessionId,
      q.legId,
      q.from,
      q.to,
      q.reason,
      q.updatedBy,
    ]);
    return row && toLeg(row);
  }

  async overrideLeg(
    q: Parameters<SessionStore['overrideLeg']>[0],
  ): Promise<{ leg: SessionLeg; override: LegOverride } | undefined> {
    return this.#db.transaction(async (tx) => {
      // The lock makes the recorded old status the one actually replaced.
      const [current] = await tx.query<{ status: LegRow['status'] }>(SESSION_SQL.lockLeg, [
        q.sessionId,
        q.legId,
      ]);
      if (!current) return undefined;
      const [leg] = await tx.query<LegRow>(SESSION_SQL.forceLegStatus, [
        q.sessionId,
        q.legId,
        q.to,
        q.reason,
        `admin/${q.admin}`,
      ]);
      const [override] = await tx.query<OverrideRow>(SESSION_SQL.recordOverride, [
        q.sessionId,
        q.legId,
        q.admin,
        current.status,
        q.to,
        q.reason,
      ]);
      await tx.query(SESSION_SQL.touchSession, [q.sessionId]);
      if (!leg || !override) throw new Error('override statements returned no row');
      return { leg: toLeg(leg), override: toOverride(override) };
    });
  }

  async overrides(sessionId: string): Promise<LegOverride[]> {
    const rows = await this.#db.query<OverrideRow>(SESSION_SQL.overrides, [sessionId]);
    return rows.map(toOverride);
  }
}
