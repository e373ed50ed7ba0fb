/**
 * SQL for human approval grants (`approval_grants`, migration 20261121100000). Kept apart from
 * `sql.ts`: grants are off the per-command hot path, so they are plain statements, not batched.
 */
import type { ApprovalGrant, JuryReviewRow } from '../core/types.ts';
import { toIso } from './sql.ts';

export interface GrantRow {
  agent_id: string;
  action_id: string;
  approver: string;
  decision: 'approve' | 'reject';
  reason: string;
  params_digest: string;
  policy_revision: string;
  expires_at: Date | string;
  used_at: Date | string | null;
  created_at: Date | string;
}

const COLUMNS =
  'agent_id, action_id, approver, decision, reason, params_digest, policy_revision, expires_at, used_at, created_at';

export const GRANT_SQL = {
  // ON CONFLICT DO NOTHING: a second decision on the same action inserts nothing (returns no row).
  grant: `insert into approval_grants
      (agent_id, action_id, approver, decision, reason, params_digest, policy_revision, expires_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8)
    on conflict (agent_id, action_id) do nothing
    returning agent_id`,
  // One statement: two workers racing on the same grant cannot both see used_at null.
  consume: `update approval_grants set used_at = now()
    where agent_id = $1 and action_id = $2 and used_at is null and expires_at > now()
    returning ${COLUMNS}`,
  /** $1 limit, $2 agent (null = any), $3 action (null = any). */
  lapsed: `select g.agent_id, g.action_id, g.approver, g.decision, g.reason, g.params_digest, g.policy_revision,
           g.expires_at, g.used_at, g.created_at
      from approval_grants g
      join actions a on a.agent_id = g.agent_id and a.action_id = g.action_id
     where g.used_at is null and g.decision = 'approve' and g.expires_at <= now()
       and a.status = 'NEEDS_APPROVAL'
       and ($2::text is null or g.agent_id = $2) and ($3::text is null or g.action_id = $3)
     order by g.expires_at
     limit $1`,
  /** $1 since (timestamptz). The jury record is the last event of the action that carries one. */
  reviews: `select g.decision as human, j.jury
      from approval_grants g
      join lateral (
        select e.payload -> 'jury' as jury from action_events e
         where e.agent_id = g.agent_id and e.action_id = g.action_id
           and jsonb_typeof(e.payload -> 'jury') = 'object'
         order by e.seq desc limit 1
      ) j on true
     where g.created_at >= $1::timestamptz`,
} as const;

/** Maps a review row; rows whose jury record is unreadable are dropped. */
export function toReview(r: { human: string; jury: Record<string, unknown> }): JuryReviewRow | undefined {
  const outcome = r.jury.outcome;
  if (
    (outcome !== 'approve' && outcome !== 'needs_approval') ||
    (r.human !== 'approve' && r.human !== 'reject')
  ) {
    return undefined;
  }
  const votes = Array.isArray(r.jury.votes) ? (r.jury.votes as { verdict?: unknown }[]) : [];
  return {
    jury: outcome,
    human: r.human,
    verdicts: votes.map((v) => (v.verdict === 'approve' || v.verdict === 'reject' ? v.verdict : null)),
  };
}

export function toGrant(r: GrantRow): ApprovalGrant {
  return {
    agentId: r.agent_id,
    actionId: r.action_id,
    approver: r.approver,
    decision: r.decision,
    reason: r.reason,
    paramsDigest: r.params_digest,
    policyRevision: r.policy_revision,
    expiresAt: toIso(r.expires_at),
    usedAt: r.used_at === null ? null : toIso(r.used_at),
    createdAt: toIso(r.created_at),
  };
}
