-- Human approvals: one decision per action by a person, bound to the digest of the command they
-- saw, single use (used_at) and short-lived (expires_at). The pipeline consumes a grant with one
-- UPDATE … WHERE used_at IS NULL AND expires_at > now(), so a replayed job cannot use it twice.
-- Safe to apply twice, like the ledger migration.

create table if not exists approval_grants (
  agent_id        text        not null,
  action_id       text        not null,
  approver        text        not null,
  decision        text        not null,
  reason          text        not null,
  -- sha256 of the command's canonical JSON (payloadHash): a changed command is not approved.
  params_digest   text        not null,
  policy_revision text        not null,
  expires_at      timestamptz not null,
  used_at         timestamptz,
  created_at      timestamptz not null default now(),
  primary key (agent_id, action_id),
  constraint approval_grants_decision_check check (decision in ('approve', 'reject')),
  -- The approver can never be the agent that submitted the command.
  constraint approval_grants_not_self check (approver <> agent_id)
);

comment on table approval_grants is 'Single-use human decisions on NEEDS_APPROVAL actions (MCP Orchestrator ledger).';
