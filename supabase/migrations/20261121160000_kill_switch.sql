-- The kill switch: a new action status HELD (the switch was on at the gate before the connector
-- call; the action waits for a release) and an append-only audit of every flip of the switch
-- and of the poller (pause, resume, halt, release, a pending two-person release).
-- Safe to apply twice, like the other migrations.

alter table actions drop constraint if exists actions_status_check;
alter table actions add constraint actions_status_check check (status in (
  'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
  'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED', 'EXPIRED', 'HELD'
));

alter table action_events drop constraint if exists action_events_status_check;
alter table action_events add constraint action_events_status_check check (status in (
  'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
  'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED', 'EXPIRED', 'HELD'
));

create table if not exists kill_switch_flips (
  id          bigserial   primary key,
  -- Version of the switch state after the flip (pause and resume leave it unchanged).
  version     bigint      not null,
  operation   text        not null,
  -- 'master', or the scope's kind; null for pause and resume.
  scope_kind  text,
  scope_value text,
  -- Token subject of the person, or `system:<component>` for the daemon itself.
  subject     text        not null,
  reason      text        not null,
  -- The switch state after the flip: restored from here when Redis lost it (fail closed).
  state       jsonb       not null,
  at          timestamptz not null default now(),
  constraint kill_switch_flips_operation_check check (operation in (
    'pause', 'resume', 'halt', 'release', 'release_requested'
  )),
  constraint kill_switch_flips_scope_check check (scope_kind is null or scope_kind in (
    'master', 'connector', 'command_type', 'agent'
  )),
  constraint kill_switch_flips_version_check check (version >= 0)
);

comment on table kill_switch_flips is 'Every flip of the kill switch and of the poller, append-only (MCP Orchestrator ledger).';

create index if not exists kill_switch_flips_at_idx on kill_switch_flips (id desc);

create or replace trigger kill_switch_flips_append_only
  before update or delete on kill_switch_flips
  for each row execute function orchestrator_reject_mutation();
create or replace trigger kill_switch_flips_no_truncate
  before truncate on kill_switch_flips
  for each statement execute function orchestrator_reject_mutation();

alter table kill_switch_flips enable row level security;

-- Listing the actions the switch holds (a release requeues them).
create index if not exists actions_held_idx on actions (updated_at) where status = 'HELD';
