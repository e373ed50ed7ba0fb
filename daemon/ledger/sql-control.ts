/**
 * SQL for the kill switch's audit (`kill_switch_flips`, migration 20261121160000). Off the hot
 * path: plain statements, not batched.
 */
import type { SwitchFlip } from '../core/types.ts';
import { toIso } from './sql.ts';

export interface FlipRow {
  version: string | number;
  operation: SwitchFlip['operation'];
  scope_kind: SwitchFlip['scopeKind'];
  scope_value: string | null;
  subject: string;
  reason: string;
  state: Record<string, unknown> | string;
  at: Date | string;
}

export const FLIP_SQL = {
  record: `insert into kill_switch_flips (version, operation, scope_kind, scope_value, subject, reason, state)
    values ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
  /** $1 limit. Newest first. */
  latest: `select version, operation, scope_kind, scope_value, subject, reason, state, at
      from kill_switch_flips order by id desc limit $1`,
} as const;

/** Maps a row of `kill_switch_flips`. */
export function toFlip(r: FlipRow): SwitchFlip {
  return {
    version: Number(r.version),
    operation: r.operation,
    scopeKind: r.scope_kind,
    scopeValue: r.scope_value,
    subject: r.subject,
    reason: r.reason,
    state: typeof r.state === 'string' ? (JSON.parse(r.state) as Record<string, unknown>) : r.state,
    at: toIso(r.at),
  };
}
