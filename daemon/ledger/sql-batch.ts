/**
 * Multi-row forms of the ledger's hot statements (see batcher.ts). Inputs travel as parallel
 * arrays through `unnest`, with an `idx` column so each result row maps back to its request.
 * JSON values travel as text and are cast per row. Semantics match the single-row statements in
 * sql.ts, including compare-and-set: when two requests in one batch move the same action, the
 * UPDATE changes the row once and returns one idx, so exactly one of them wins.
 */

const ACTION_COLUMNS = `agent_id, action_id, command_type, status, command, payload_hash, queue, result, error,
  created_at, updated_at`;

/**
 * A policy decision as seven parallel arrays (action, risk, reasons json, alert json, revision,
 * explanation json, eval µs), one column each, in this order in every statement that records
 * decisions (recordDecision's $3–$9 too). Each JSON value is cast once, where it is stored:
 * a decision sent as one JSON document was re-parsed for every field read out of it, which made
 * the decision insert the most expensive part of the hot write.
 */
export const DECISION_INPUT = [
  'action',
  'risk',
  'reasons',
  'alert',
  'revision',
  'explanation',
  'micros',
] as const;
const DECISION_COLUMNS_OF = (prefix: string): string =>
  DECISION_INPUT.map((c) => `${prefix}d_${c}`).join(', ');
const DECISION_COLUMNS = DECISION_COLUMNS_OF('');
const DECISION_PARAMS = (first: number): string =>
  DECISION_INPUT.map((c, i) => `$${first + i}::${c === 'micros' ? 'bigint' : 'text'}[]`).join(', ');
const DECISION_VALUES = (t: string): string =>
  `${t}.d_action, ${t}.d_risk, ${t}.d_reasons::jsonb, ${t}.d_alert::jsonb, ${t}.d_revision, ${t}.d_explanation::jsonb, ${t}.d_micros`;

export const BATCH_SQL = {
  /** $1 agent[], $2 action[], $3 type[], $4 command json[], $5 hash[], $6 queue[], $7 event payload json[], $8 idx[] */
  createActions: `with input as (
      select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
        as i(agent_id, action_id, command_type, command, payload_hash, queue, payload, idx)
    ), firsts as (
      select distinct on (agent_id, action_id) * from input order by agent_id, action_id, idx
    ), inserted as (
      insert into actions (agent_id, action_id, command_type, status, command, payload_hash, queue)
      select agent_id, action_id, command_type, 'QUEUED', command::jsonb, payload_hash, queue from firsts
      on conflict (agent_id, action_id) do nothing
      returning ${ACTION_COLUMNS}
    ), first_event as (
      insert into action_events (agent_id, action_id, seq, status, payload)
      select ins.agent_id, ins.action_id, 1, 'QUEUED', f.payload::jsonb
        from inserted ins join firsts f on f.agent_id = ins.agent_id and f.action_id = ins.action_id
    )
    select f.idx, ins.agent_id, ins.action_id, ins.command_type, ins.status, ins.command, ins.payload_hash, ins.queue,
           ins.result, ins.error, ins.created_at, ins.updated_at
      from inserted ins join firsts f on f.agent_id = ins.agent_id and f.action_id = ins.action_id`,

  /**
   * $1 agent[], $2 action[], $3 to[], $4 payload json[], $5 result json[] (nulls), $6 error json[]
   * (nulls), $7 from (comma-joined, null = any)[], $8 idx[]. Returns the idx of every applied move.
   */
  transitions: `with input as (
      select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
        as i(agent_id, action_id, status, payload, result, error, from_list, idx)
    ), moved as (
      update actions a
         set status = i.status,
             result = coalesce(i.result::jsonb, a.result),
             error = coalesce(i.error::jsonb, a.error),
             last_seq = a.last_seq + 1,
             updated_at = now()
        from input i
       where a.agent_id = i.agent_id and a.action_id = i.action_id
         and (i.from_list is null or a.status = any(string_to_array(i.from_list, ',')))
      returning a.agent_id, a.action_id, a.status, a.last_seq, i.payload, i.idx
    ), events as (
      insert into action_events (agent_id, action_id, seq, status, payload)
      select agent_id, action_id, last_seq, status, payload::jsonb from moved
    )
    select idx from moved`,

  /**
   * Several steps and an optional decision per action, atomically. $1 agent[], $2 action[],
   * $3 steps json[] (`[{"status","payload"}]`), $4 from (comma-joined)[], $5 idx[], then the
   * decision's columns (see {@link DECISION_INPUT}; nulls where there is none). Event seqs
   * continue from the row's last_seq under its lock.
   */
  advances: `with input as (
      select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], ${DECISION_PARAMS(6)})
        as i(agent_id, action_id, steps, from_list, idx, ${DECISION_COLUMNS})
    ), moved as (
      update actions a
         set status = (i.steps::jsonb -> -1 ->> 'status'),
             last_seq = a.last_seq + jsonb_array_length(i.steps::jsonb),
             updated_at = now()
        from input i
       where a.agent_id = i.agent_id and a.action_id = i.action_id
         and a.status = any(string_to_array(i.from_list, ','))
      returning a.agent_id, a.action_id, a.last_seq, i.steps, i.idx, ${DECISION_COLUMNS_OF('i.')}
    ), events as (
      insert into action_events (agent_id, action_id, seq, status, payload)
      select m.agent_id, m.action_id, m.last_seq - jsonb_array_length(m.steps::jsonb) + s.ord::int,
             s.elem ->> 'status', s.elem -> 'payload'
        from moved m, jsonb_array_elements(m.steps::jsonb) with ordinality as s(elem, ord)
    ), decisions as (
      insert into policy_decisions
        (agent_id, action_id, action, risk, reasons, alert, revision, explanation, eval_micros)
      select m.agent_id, m.action_id, ${DECISION_VALUES('m')}
        from moved m
       where m.d_action is not null
    )
    select idx from moved`,

  /**
   * New actions already advanced: $1 agent[], $2 action[], $3 type[], $4 command json[], $5 hash[],
   * $6 queue[], $7 steps json[] (`[{"status","payload"}]`, QUEUED first), $8 idx[], then the
   * decision's columns (see {@link DECISION_INPUT}; nulls where there is none). Existing actions
   * are left alone (no row returned for them).
   */
  createAdvanced: `with input as (
      select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], ${DECISION_PARAMS(9)})
        as i(agent_id, action_id, command_type, command, payload_hash, queue, steps, idx, ${DECISION_COLUMNS})
    ), firsts as (
      select distinct on (agent_id, action_id) *, steps::jsonb as s from input order by agent_id, action_id, idx
    ), inserted as (
      insert into actions (agent_id, action_id, command_type, status, command, payload_hash, queue, last_seq)
      select agent_id, action_id, command_type, s -> -1 ->> 'status', command::jsonb, payload_hash, queue,
             jsonb_array_length(s)
        from firsts
      on conflict (agent_id, action_id) do nothing
      returning ${ACTION_COLUMNS}
    ), created as (
      select f.* from inserted ins join firsts f on f.agent_id = ins.agent_id and f.action_id = ins.action_id
    ), events as (
      insert into action_events (agent_id, action_id, seq, status, payload)
      select c.agent_id, c.action_id, e.ord::int, e.elem ->> 'status', e.elem -> 'payload'
        from created c, jsonb_array_elements(c.s) with ordinality as e(elem, ord)
    ), decisions as (
      insert into policy_decisions
        (agent_id, action_id, action, risk, reasons, alert, revision, explanation, eval_micros)
      select c.agent_id, c.action_id, ${DECISION_VALUES('c')}
        from created c
       where c.d_action is not null
    )
    select f.idx, ins.agent_id, ins.action_id, ins.command_type, ins.status, ins.command, ins.payload_hash, ins.queue,
           ins.result, ins.error, ins.created_at, ins.updated_at
      from inserted ins join firsts f on f.agent_id = ins.agent_id and f.action_id = ins.action_id`,

  /** $1 agent[], $2 action[], $3 action[], $4 risk[], $5 reasons json[], $6 alert json[], $7 revision[], $8 explanation json[], $9 micros[] */
  recordDecisions: `insert into policy_decisions
      (agent_id, action_id, action, risk, reasons, alert, revision, explanation, eval_micros)
    select agent_id, action_id, action, risk, reasons::jsonb, alert::jsonb, revision, explanation::jsonb, micros
      from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])
        as i(agent_id, action_id, action, risk, reasons, alert, revision, explanation, micros)`,

  /**
   * $1 type[], $2 service[] (nulls), $3 agent[], $4 window ms[], $5 denial statuses, $6 idx[],
   * $7 excluded action_id[] (nulls). One index range scan per count, attempts and denials together.
   */
  histories: `select i.idx,
      coalesce(svc.attempts, 0) as service_attempts, coalesce(svc.denials, 0) as service_denials,
      agt.attempts as agent_attempts, agt.denials as agent_denials
    from unnest($1::text[], $2::text[], $3::text[], $4::double precision[], $6::int[], $7::text[])
      as i(command_type, service, agent_id, window_ms, idx, exclude)
    left join lateral (
      select count(*)::int as attempts, (count(*) filter (where status = any($5::text[])))::int as denials
        from actions
       where command_type = i.command_type and (command -> 'params' ->> 'service') = i.service
         and created_at >= now() - (i.window_ms * interval '1 millisecond')
         and (i.exclude is null or not (agent_id = i.agent_id and action_id = i.exclude))
    ) svc on i.service is not null
    cross join lateral (
      select count(*)::int as attempts, (count(*) filter (where status = any($5::text[])))::int as denials
        from actions
       where agent_id = i.agent_id and command_type = i.command_type
         and created_at >= now() - (i.window_ms * interval '1 millisecond')
         and (i.exclude is null or action_id <> i.exclude)
    ) agt`,
} as const;
