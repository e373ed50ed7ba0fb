-- Product discovery (DISCOVER_PRODUCTS): the curated Shopify partners whose Storefront MCP
-- endpoints are searched, the mapping from the masked product ids we hand out to the partner's
-- own ids, and the progress records a running action appends (one per partner answer).
-- Safe to apply twice, like the ledger migration.

create table if not exists shopify_curated_partners (
  -- Lowercase slug (the same pattern as command slugs); part of every masked product id.
  slug                  text         primary key,
  shop_url              text         not null,
  mcp_endpoint          text         not null,
  capabilities          jsonb        not null default '[]'::jsonb,
  -- Added to every price this partner returns, in percent (12.5 = +12.5 %).
  price_premium_percent numeric(5,2) not null default 0,
  enabled               boolean      not null default true,
  created_at            timestamptz  not null default now(),
  updated_at            timestamptz  not null default now(),
  constraint shopify_curated_partners_slug_check check (slug ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  constraint shopify_curated_partners_shop_url_check check (shop_url ~ '^https?://'),
  constraint shopify_curated_partners_mcp_endpoint_check check (mcp_endpoint ~ '^https?://'),
  -- A premium, never a discount, and never more than doubling the partner's price.
  constraint shopify_curated_partners_premium_check check (price_premium_percent >= 0 and price_premium_percent <= 100)
);

comment on table shopify_curated_partners is 'Curated Shopify partners searched by DISCOVER_PRODUCTS (MCP Orchestrator).';

create table if not exists shopify_product_ids (
  -- `uso_{partner_slug}_{sanitised original id}`: what clients see.
  masked_id    text        primary key,
  partner_slug text        not null references shopify_curated_partners (slug),
  -- The partner's own id (e.g. gid://shopify/Product/123): never leaves the daemon.
  original_id  text        not null,
  created_at   timestamptz not null default now(),
  constraint shopify_product_ids_masked_check check (masked_id ~ '^uso_[A-Za-z0-9_-]+$')
);

comment on table shopify_product_ids is 'Masked product id -> partner and original product id (MCP Orchestrator discovery).';

create index if not exists shopify_product_ids_partner_idx on shopify_product_ids (partner_slug, original_id);

-- Progress of a running action (e.g. one row per partner answer of DISCOVER_PRODUCTS). Not in
-- action_events on purpose: an action_events row is a state-machine transition (its status is
-- checked against the statuses, its seq is bumped from actions.last_seq under the row lock of
-- the UPDATE that moves the action, and readers such as the jury report take "the last event"
-- as the latest transition). Progress moves no status; writing it there would take the actions
-- row lock on every partner answer and break those readers. Its own bigserial id orders it.
create table if not exists action_progress (
  id        bigserial   primary key,
  agent_id  text        not null,
  action_id text        not null,
  kind      text        not null,
  payload   jsonb       not null default '{}'::jsonb,
  at        timestamptz not null default now(),
  constraint action_progress_action_fk foreign key (agent_id, action_id) references actions (agent_id, action_id),
  constraint action_progress_kind_check check (kind ~ '^[a-z][a-z0-9_.]{0,63}$')
);

comment on table action_progress is 'Progress records of running actions, append-only (MCP Orchestrator ledger).';

create index if not exists action_progress_action_idx on action_progress (agent_id, action_id, id);

create or replace trigger action_progress_append_only
  before update or delete on action_progress
  for each row execute function orchestrator_reject_mutation();
create or replace trigger action_progress_no_truncate
  before truncate on action_progress
  for each statement execute function orchestrator_reject_mutation();

alter table shopify_curated_partners enable row level security;
alter table shopify_product_ids enable row level security;
alter table action_progress enable row level security;
