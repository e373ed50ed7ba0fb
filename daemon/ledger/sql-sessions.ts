/**
 * SQL of experience sessions (migration 20261121140000), shared by the Postgres and PGlite
 * stores, and the mapping from rows to the records of `connectors/session-store.ts`. Sessions are
 * off the per-command hot path, so these are plain statements, not batched.
 */
import type { LegOverride, LegStatus, SessionLeg } from '../../connectors/session-store.ts';
import { toIso } from './sql.ts';

const LEG_COLUMNS =
  'session_id, leg_id, kind, position, status, version, last_reason, updated_by, created_at, updated_at';
const SESSION_COLUMNS = 'session_id, owner_agent_id, created_by, created_at, updated_at';
const OVERRIDE_COLUMNS = 'id, session_id, leg_id, admin, old_status, new_status, reason, at';

export interface SessionRow {
  session_id: string;
  owner_agent_id: string;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface LegRow {
  session_id: string;
  leg_id: string;
  kind: string;
  position: number;
  status: LegStatus;
  version: number;
  last_reason: string | null;
  updated_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface OverrideRow {
  id: number | string;
  session_id: string;
  leg_id: string;
  admin: string;
  old_status: LegStatus;
  new_status: LegStatus;
  reason: string;
  at: Date | string;
}

export const SESSION_SQL = {
  /** $1 id, $2 owner, $3 created_by. No row when the id exists. */
  createSession: `insert into experience_sessions (session_id, owner_agent_id, created_by)
    values ($1, $2, $3)
    on conflict (session_id) do nothing
    returning ${SESSION_COLUMNS}`,
  /** $1 session, $2 leg ids, $3 kinds, $4 positions (arrays of the same length). */
  createLegs: `insert into experience_session_legs (session_id, leg_id, kind, position)
    select $1, l.leg_id, l.kind, l.position
      from unnest($2::text[], $3::text[], $4::int[]) as l (leg_id, kind, position)`,
  getSession: `select ${SESSION_COLUMNS} from experience_sessions where session_id = $1`,
  legsOf: `select ${LEG_COLUMNS} from experience_session_legs where session_id = $1 order by position, leg_id`,
  getLeg: `select l.session_id, l.leg_id, l.kind, l.position, l.status, l.version, l.last_reason, l.updated_by,
      l.created_at, l.updated_at, s.owner_agent_id
    from experience_session_legs l join experience_sessions s using (session_id)
    where l.session_id = $1 and l.leg_id = $2`,
  /**
   * The compare-and-set: applies only while the status is still $3. A concurrent move waits on
   * the row lock, then re-checks `status = $3` against the committed row, so only one wins.
   * $1 session, $2 leg, $3 from, $4 to, $5 reason, $6 updated_by.
   */
  setLegStatus: `with moved as (
      update experience_session_legs
         set status = $4, version = version + 1, last_reason = $5, updated_by = $6, updated_at = now()
       where session_id = $1 and leg_id = $2 and status = $3
      returning ${LEG_COLUMNS}
    ), touched as (
      update experience_sessions s set updated_at = now() from moved where s.session_id = moved.session_id
    )
    select ${LEG_COLUMNS} from moved`,
  /** Inside the override transaction: the row is locked until commit. $1 session, $2 leg. */
  lockLeg: `select status from experience_session_legs where session_id = $1 and leg_id = $2 for update`,
  /** $1 session, $2 leg, $3 to, $4 reason, $5 updated_by. */
  forceLegStatus: `update experience_session_legs
       set status = $3, version = version + 1, last_reason = $4, updated_by = $5, updated_at = now()
     where session_id = $1 and leg_id = $2
    returning ${LEG_COLUMNS}`,
  /** $1 session, $2 leg, $3 admin, $4 old, $5 new, $6 reason. */
  recordOverride: `insert into experience_session_leg_overrides (session_id, leg_id, admin, old_status, new_status, reason)
    values ($1, $2, $3, $4, $5, $6)
    returning ${OVERRIDE_COLUMNS}`,
  touchSession: 'update experience_sessions set updated_at = now() where session_id = $1',
  overrides: `select ${OVERRIDE_COLUMNS} from experience_session_leg_overrides where session_id = $1 order by id`,
} as const;

/**
 * A leg row as the connectors' record (ISO timestamps, numbers as numbers).
 *
 * @example
 * ```ts
 * const [row] = await db.query<LegRow>(SESSION_SQL.setLegStatus, params);
 * row && toLeg(row).status; // → 'ready'
 * ```
 */
export function toLeg(r: LegRow): SessionLeg {
  return {
    sessionId: r.session_id,
    legId: r.leg_id,
    kind: r.kind,
    position: Number(r.position),
    status: r.status,
    version: Number(r.version),
    lastReason: r.last_reason,
    updatedBy: r.updated_by,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

/**
 * An override row as the connectors' record.
 *
 * @example
 * ```ts
 * (await db.query<OverrideRow>(SESSION_SQL.overrides, [sessionId])).map(toOverride);
 * ```
 */
export function toOverride(r: OverrideRow): LegOverride {
  return {
    id: Number(r.id),
    sessionId: r.session_id,
    legId: r.leg_id,
    admin: r.admin,
    oldStatus: r.old_status,
    newStatus: r.new_status,
    reason: r.reason,
    at: toIso(r.at),
  };
}
