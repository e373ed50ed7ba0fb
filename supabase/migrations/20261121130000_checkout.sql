-- Checkout through Shopify draft orders: one completion per draft order (and per payment
-- reference), and one refund request per payment reference. The unique keys are what make
-- "complete once" and "refund exactly once" hold across retried jobs, resubmitted commands and
-- several daemons: every claim is a single INSERT … ON CONFLICT DO NOTHING or a guarded UPDATE.
-- Amounts are decimal strings exactly as Shopify writes them (normalised to two or more
-- decimals), never floats. No credentials are stored here. Safe to apply twice.

create table if not exists checkout_completions (
  draft_order_id    text        primary key,
  payment_reference text        not null,
  agent_id          text        not null,
  action_id         text        not null,
  session_id        text,
  amount            text        not null,
  currency          text        not null,
  status            text        not null default 'completing',
  order_id          text,
  order_name        text,
  failure_code      text,
  failure_message   text,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint checkout_completions_payment_reference_key unique (payment_reference),
  constraint checkout_completions_status_check check (status in ('completing', 'completed', 'failed')),
  constraint checkout_completions_amount_check check (amount ~ '^[0-9]+\.[0-9]{2,6}$'),
  constraint checkout_completions_currency_check check (currency ~ '^[A-Z]{3}$')
);

comment on table checkout_completions is 'One completion per Shopify draft order and per payment reference (MCP Orchestrator checkout).';

create table if not exists checkout_refunds (
  payment_reference text        primary key,
  draft_order_id    text        not null,
  amount            text        not null,
  currency          text        not null,
  status            text        not null default 'sending',
  attempts          integer     not null default 1,
  last_error        text,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  constraint checkout_refunds_status_check check (status in ('sending', 'requested', 'failed')),
  constraint checkout_refunds_attempts_check check (attempts >= 1)
);

comment on table checkout_refunds is 'One refund request per payment reference (MCP Orchestrator checkout).';

create index if not exists checkout_refunds_status_idx on checkout_refunds (status) where status <> 'requested';

-- As for the ledger tables: closed to Supabase's Data API, open to the owning daemon role.
alter table checkout_completions enable row level security;
alter table checkout_refunds enable row level security;
