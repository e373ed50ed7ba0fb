-- The policy's history counts moved to Redis (daemon/history/redis-history.ts): the daemon no
-- longer counts ledger rows per command, so the three indexes that served those counts only
-- slowed every insert and status change of `actions` (one of them evaluates a jsonb expression
-- per row). Counting from the ledger (LedgerHistory, for embedded use without Redis) still
-- works, by scanning the window's rows.
-- Safe to apply twice.

drop index if exists actions_type_service_created_idx;
drop index if exists actions_agent_type_created_idx;
drop index if exists actions_type_created_idx;
