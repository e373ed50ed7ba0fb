-- Experience sessions: a session groups legs (a product, a booking, …) that each move through
--   pending → ready → in_customization → committed, and from any of those to failed.
-- The UPDATE_SESSION_LEG connector enforces that machine with a compare-and-set on `status`;
-- admins may override any leg (POST /v1/admin/sessions/:id/legs/:leg_id/override), and every
-- override is kept, append-only, with who did it, the old and new status and why.
-- Safe to apply twice (IF NOT EXISTS / OR REPLACE), on PostgreSQL 15, Supabase and PGlite.

create table if not exists experience_sessions (
  session_id     text        primary key,
  -- The agent the session belongs to: only it may move the session's legs with commands, and it
  -- may read the session (staff may read any).
  owner_agent_id text        not null,
  created_by     text        not null,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now()
);

comment on table experience_sessions is 'Experience sessions, one per customer journey (MCP Orchestrator).';

create index if not exists experience_sessions_owner_idx on experience_sessions (owner_agent_id, created_at);

create table if not exists experience_session_legs (
  session_id  text        not null references experience_sessions (session_id) on delete cascade,
  leg_id      text        not null,
  -- Free-form label of what the leg is (product, stay, activity, …); not interpreted.
  kind        text        not null default 'leg',
  position    integer     not null default 0,
  status      text        not null default 'pending',
  -- Bumped on every change; lets readers see a leg moved even when it came back to one status.
  version     integer     not null default 1,
  last_reason text,
  -- Who moved it last: an agent's action (`agent/<agent>/<action>`) or an admin (`admin/<subject>`).
  updated_by  text,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  primary key (session_id, leg_id),
  constraint experience_session_legs_status_check check (status in (
    'pending', 'ready', 'in_customization', 'committed', 'failed'
  )),
  constraint experience_session_legs_version_check check (version >= 1)
);

comment on table experience_session_legs is 'Legs of an experience session and their state-machine status (MCP Orchestrator).';

create table if not exists experience_session_leg_overrides (
  id          bigserial   primary key,
  session_id  text        not null,
  leg_id      text        not null,
  admin       text        not null,
  old_status  text        not null,
  new_status  text        not null,
  reason      text        not null,
  at          timestamptz not null default now(),
  constraint experience_session_leg_overrides_leg_fk foreign key (session_id, leg_id)
    references experience_session_legs (session_id, leg_id) on delete cascade,
  constraint experience_session_leg_overrides_reason_check check (length(btrim(reason)) > 0),
  constraint experience_session_leg_overrides_status_check check (
    old_status in ('pending', 'ready', 'in_customization', 'committed', 'failed') and
    new_status in ('pending', 'ready', 'in_customization', 'committed', 'failed')
  )
);

comment on table experience_session_leg_overrides is 'Admin overrides of leg statuses, append-only (MCP Orchestrator).';

create index if not exists experience_session_leg_overrides_leg_idx
  on experience_session_leg_overrides (session_id, leg_id, id);

-- Overrides are an audit trail: like action_events, they cannot be edited through SQL. They are
-- only removed with their session (the cascade), which is why DELETE is not refused here.
-- (orchestrator_reject_mutation comes from the ledger migration.)
create or replace trigger experience_session_leg_overrides_append_only
  before update on experience_session_leg_overrides
  for each row execute function orchestrator_reject_mutation();

-- Closed to the Supabase Data API like the ledger tables; the daemon owns them.
alter table experience_sessions enable row level security;
alter table experience_session_legs enable row level security;
alter table experience_session_leg_overrides enable row level security;
