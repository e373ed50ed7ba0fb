/**
 * The ledger's SQL, shared by the Postgres and PGlite adapters, and the mapping from rows to the
 * camelCase records of `daemon/core/types.ts`. Every value travels as a `$n` parameter; JSON goes
 * in as text (`JSON.stringify`) cast to jsonb, because pg would turn a JS array into a Postgres
 * array literal rather than JSON.
 */
import type {
  ActionEvent,
  ActionRecord,
  ActionStatus,
  PolicyDecision,
  StoredDecision,
} from '../core/types.ts';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';

/** Statuses that count as a denial in the policy's history context. */
export const DENIAL_STATUSES: readonly ActionStatus[] = ['BLOCKED', 'NEEDS_APPROVAL', 'REJECTED'];

// A fixed column list (no values) so every action query maps through the same `toActionRecord`.
const ACTION_COLUMNS = `agent_id, action_id, command_type, status, command, payload_hash, queue, result, error,
  created_at, updated_at`;

export const SQL = {
  ping: 'select 1 as ok',

  /**
   * Inserts the action and its first event (seq 1, QUEUED) in one statement. Returns no row when
   * (agent_id, action_id) already exists; the caller then reads the stored one.
   * $1 agent, $2 action, $3 type, $4 command json, $5 hash, $6 queue, $7 event payload json.
   */
  createAction: `with inserted as (
      insert into actions (agent_id, action_id, command_type, status, command, payload_hash, queue)
      values ($1, $2, $3, 'QUEUED', $4::jsonb, $5, $6)
      on conflict (agent_id, action_id) do nothing
      returning ${ACTION_COLUMNS}
    ), first_event as (
      insert into action_events (agent_id, action_id, seq, status, payload)
      select agent_id, action_id, 1, 'QUEUED', $7::jsonb from inserted
    )
    select ${ACTION_COLUMNS} from inserted`,

  getAction: `select ${ACTION_COLUMNS} from actions where agent_id = $1 and action_id = $2`,

  findAction: `select ${ACTION_COLUMNS} from actions where action_id = $1
    order by created_at desc, created_seq desc limit 1`,

  /**
   * $1 status or null, $2 agent or null, $3 limit. The driver sends unnamed statements, which the
   * server plans with the bound values, so the `is null` branches fold away and the indexes apply.
   */
  /** $1 status, $2 cap: counts through the status index and stops at the cap. */
  countActions: `select count(*)::int as n from (select 1 from actions where status = $1 limit $2) capped`,

  listActions: `select ${ACTION_COLUMNS} from actions
    where ($1::text is null or status = $1::text) and ($2::text is null or agent_id = $2::text)
    order by created_at desc, created_seq desc
    limit $3`,

  /**
   * Status change and its event in one statement (hence one transaction). The UPDATE locks the
   * row; a concurrent transition waits, then re-checks `status = any($7)` against the committed
   * row (so a compare-and-set lets exactly one win) and bumps `last_seq` from the new value (so
   * seqs never collide). Returns the new seq, or no row when nothing was moved.
   * $1 agent, $2 action, $3 to, $4 payload json, $5 result json|null, $6 error json|null,
   * $7 from[]|null.
   */
  transition: `with moved as (
      update actions
         set status = $3,
             result = coalesce($5::jsonb, result),
             error = coalesce($6::jsonb, error),
             last_seq = last_seq + 1,
             updated_at = now()
       where agent_id = $1 and action_id = $2
         and ($7::text[] is null or status = any($7::text[]))
      returning agent_id, action_id, status, last_seq
    )
    insert into action_events (agent_id, action_id, seq, status, payload)
    select agent_id, action_id, last_seq, status, $4::jsonb from moved
    returning seq`,

  /** $1 agent, $2 action, $3 action, $4 risk, $5 reasons, $6 alert|null, $7 revision, $8 explanation, $9 micros. */
  recordDecision: `insert into policy_decisions
      (agent_id, action_id, action, risk, reasons, alert, revision, explanation, eval_micros)
    values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8::jsonb, $9)`,

  events: `select seq, status, payload, at from action_events
    where agent_id = $1 and action_id = $2 order by seq`,

  decisions: `select action, risk, reasons, alert, revision, explanation, eval_micros, at from policy_decisions
    where agent_id = $1 and action_id = $2 order by id`,

  /**
   * Attempts and denials of one command type since `now() - $4 ms`: for the service (any agent;
   * zero when $2 is null) and for the agent. Each count has its own index
   * (type+service+created_at, agent+type+created_at). The window is the database's clock, shared
   * by every daemon. $1 type, $2 service|null, $3 agent, $4 window ms, $5 denial statuses,
   * $6 action_id of $3 to leave out (or null).
   */
  history: `with svc as (
      select count(*)::int as attempts, (count(*) filter (where status = any($5::text[])))::int as denials
        from actions
       where $2::text is not null and command_type = $1
         and (command -> 'params' ->> 'service') = $2::text
         and created_at >= now() - ($4::double precision * interval '1 millisecond')
         and ($6::text is null or not (agent_id = $3 and action_id = $6::text))
    ),
    agt as (
      select count(*)::int as attempts, (count(*) filter (where status = any($5::text[])))::int as denials
        from actions
       where agent_id = $3 and command_type = $1
         and created_at >= now() - ($4::double precision * interval '1 millisecond')
         and ($6::text is null or action_id <> $6::text)
    )
    select svc.attempts as service_attempts, svc.denials as service_denials,
           agt.attempts as agent_attempts, agt.denials as agent_denials
      from svc, agt`,
} as const;

export interface ActionRow {
  agent_id: string;
  action_id: string;
  command_type: string;
  status: string;
  command: Record<string, unknown>;
  payload_hash: string;
  queue: string;
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface EventRow {
  seq: number;
  status: string;
  payload: Record<string, unknown>;
  at: Date | string;
}

export interface DecisionRow {
  action: string;
  risk: string;
  reasons: string[];
  alert: PolicyDecision['alert'];
  revision: string;
  explanation: PolicyDecision['explanation'];
  // bigint: pg hands int8 back as a string, PGlite as a number.
  eval_micros: string | number;
  at: Date | string;
}

export interface HistoryRow {
  service_attempts: number;
  service_denials: number;
  agent_attempts: number;
  agent_denials: number;
}

/** Both drivers parse timestamptz to Date; accept text too so a type-parser change cannot break us. */
export function toIso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

/** JSON text for a jsonb parameter (`null` stays SQL NULL). */
export function jsonParam(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

/**
 * Maps an `actions` row to the record the rest of the daemon sees.
 *
 * @example
 * ```ts
 * const [row] = await db.query<ActionRow>(SQL.getAction, [agentId, actionId]);
 * const action = row && toActionRecord(row);
 * ```
 */
export function toActionRecord(r: ActionRow): ActionRecord {
  return {
    agentId: r.agent_id,
    actionId: r.action_id,
    commandType: r.command_type,
    // The table's check constraint admits ACTION_STATUSES only.
    status: r.status as ActionStatus,
    command: r.command,
    payloadHash: r.payload_hash,
    queue: r.queue,
    result: r.result,
    error: r.error,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
  };
}

export function toActionEvent(r: EventRow): ActionEvent {
  return { seq: r.seq, status: r.status as ActionStatus, payload: r.payload, at: toIso(r.at) };
}

export function toStoredDecision(r: DecisionRow): StoredDecision {
  return {
    // Check constraints admit only these values.
    action: r.action as PolicyDecision['action'],
    risk: r.risk as PolicyDecision['risk'],
    reasons: r.reasons,
    alert: r.alert,
    revision: r.revision,
    explanation: r.explanation,
    evalMicros: Number(r.eval_micros),
    at: toIso(r.at),
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Validates a schema name and returns it quoted. Identifiers cannot be bound as parameters, so the
 * name is restricted to plain lower-case identifiers instead: nothing in it needs escaping.
 *
 * @example
 * ```ts
 * schemaIdent('orchestrator'); // '"orchestrator"'
 * schemaIdent('x; drop table actions'); // throws ORC_ERR_LEDGER_CONFIG_INVALID
 * ```
 */
export function schemaIdent(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new OrchestratorError(LedgerErrors.CONFIG_INVALID, {
      reason: `schema name must match ${SCHEMA_NAME.source}`,
    });
  }
  return `"${name}"`;
}
