-- EXPIRED: a person approved a NEEDS_APPROVAL action, but the grant lapsed before the pipeline
-- used it. Terminal, like REJECTED; the audit trail keeps the grant (approval_grants.used_at
-- stays null).
-- Safe to apply twice: each check is dropped if present and added again with the full list.

alter table actions drop constraint if exists actions_status_check;
alter table actions add constraint actions_status_check check (status in (
  'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
  'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED', 'EXPIRED'
));

alter table action_events drop constraint if exists action_events_status_check;
alter table action_events add constraint action_events_status_check check (status in (
  'QUEUED', 'EVALUATING', 'ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED',
  'APPROVED', 'NEEDS_APPROVAL', 'EXECUTING', 'SUCCESS', 'FAILED', 'EXPIRED'
));

-- The sweeper looks for approvals that lapsed unused.
create index if not exists approval_grants_lapsed_idx
  on approval_grants (expires_at) where used_at is null and decision = 'approve';
