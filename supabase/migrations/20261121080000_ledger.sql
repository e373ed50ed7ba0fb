-- The orchestrator's ledger: one row per action with its current status, every transition as an
-- append-only event, and every policy decision.
--
-- Written to run unchanged on PostgreSQL 15 (local or Supabase) and on PGlite, and to be safe to
-- apply twice (IF NOT EXISTS / OR REPLACE everywhere): the daemon applies it through its own
-- orchestrator_migrations table, and someone may also have run `supabase db push`.
-- Objects are created unqualified, so they land in the first schema of search_path (the daemon
-- sets it when a schema is configured; tests use a fresh schema each).

create table if not exists actions (
  agent_id     text        not null,
  action_id    text        not null,
  command_type text        not null,
  status       text        not null,
  command      jsonb       not null,
  payload_hash text        not null,
  queue        text        not null,
  result       jsonb,
  error        jsonb,
  -- Seq of the latest action_events row. Kept here so a transition reads and bumps it under the
  -- row lock its UPDATE already takes: concurrent transitions get distinct seqs without a scan.
  last_seq     integer     not null default 1,
  -- Insertion order. Breaks created_at ties in newest-first listings: PGlite's clock ticks in
  -- milliseconds, and actions created in one transaction share now().
  created_seq  bigserial,
  created_at   timestamptz not null default now(),
  updated_at   timestamptz not null default now(),
  primary key (agent_id, action_id),
  -- Must list daemon/core/types.ts ACTION_STATUSES (the ledger test sets every one of them).
  constraint actions_status_check check (status in (
    'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
    'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED'
  )),
  constraint actions_last_seq_check check (last_seq >= 1)
);

comment on table actions is 'One row per agent action with its current status (MCP Orchestrator ledger).';

-- Staff lookups by action_id alone (findAction).
create index if not exists actions_action_id_idx on actions (action_id, created_at, created_seq);
-- Listing by status and sweeping actions stuck in a status since some time.
create index if not exists actions_status_updated_idx on actions (status, updated_at);
-- Newest-first listings without a filter.
create index if not exists actions_created_idx on actions (created_at, created_seq);
-- History per command type.
create index if not exists actions_type_created_idx on actions (command_type, created_at);
-- History per service: the policy's attempts/denials for one service in the last hour.
create index if not exists actions_type_service_created_idx
  on actions (command_type, (command -> 'params' ->> 'service'), created_at);
-- History per agent.
create index if not exists actions_agent_type_created_idx on actions (agent_id, command_type, created_at);

create table if not exists action_events (
  id        bigserial   primary key,
  agent_id  text        not null,
  action_id text        not null,
  seq       integer     not null,
  status    text        not null,
  payload   jsonb       not null default '{}'::jsonb,
  at        timestamptz not null default now(),
  constraint action_events_action_fk foreign key (agent_id, action_id) references actions (agent_id, action_id),
  constraint action_events_seq_unique unique (agent_id, action_id, seq),
  constraint action_events_seq_check check (seq >= 1),
  constraint action_events_status_check check (status in (
    'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
    'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED'
  ))
);

comment on table action_events is 'Every status change of every action, append-only (MCP Orchestrator ledger).';

create table if not exists policy_decisions (
  id          bigserial   primary key,
  agent_id    text        not null,
  action_id   text        not null,
  action      text        not null,
  risk        text        not null,
  reasons     jsonb       not null default '[]'::jsonb,
  alert       jsonb,
  revision    text        not null,
  explanation jsonb       not null default '[]'::jsonb,
  eval_micros bigint      not null,
  at          timestamptz not null default now(),
  constraint policy_decisions_action_fk foreign key (agent_id, action_id) references actions (agent_id, action_id),
  constraint policy_decisions_action_check check (action in ('allow', 'judge', 'block')),
  constraint policy_decisions_risk_check check (risk in ('LOW', 'MEDIUM', 'HIGH')),
  constraint policy_decisions_eval_micros_check check (eval_micros >= 0)
);

comment on table policy_decisions is 'Every policy decision with the revision that made it, append-only (MCP Orchestrator ledger).';

create index if not exists policy_decisions_action_idx on policy_decisions (agent_id, action_id, id);

-- The audit trail cannot be rewritten through SQL either: events and decisions are append-only.
-- The search_path is pinned because a trigger function must not resolve names through whatever
-- path the caller set (Supabase's linter flags mutable search paths for the same reason).
create or replace function orchestrator_reject_mutation() returns trigger
  language plpgsql
  set search_path = pg_catalog
as $$
begin
  raise exception 'ledger table % is append-only: % is not allowed', tg_table_name, tg_op
    using errcode = 'restrict_violation';
end;
$$;

create or replace trigger action_events_append_only
  before update or delete on action_events
  for each row execute function orchestrator_reject_mutation();
create or replace trigger action_events_no_truncate
  before truncate on action_events
  for each statement execute function orchestrator_reject_mutation();
create or replace trigger policy_decisions_append_only
  before update or delete on policy_decisions
  for each row execute function orchestrator_reject_mutation();
create or replace trigger policy_decisions_no_truncate
  before truncate on policy_decisions
  for each statement execute function orchestrator_reject_mutation();

-- On Supabase, tables in exposed schemas are reachable through the Data API with the public anon
-- key. Row level security with no policies shuts that door; the daemon connects as the tables'
-- owner, which row level security does not restrict. On plain PostgreSQL and PGlite it is inert.
alter table actions enable row level security;
alter table action_events enable row level security;
alter table policy_decisions enable row level security;
