/**
 * Error codes of the ledger (Postgres, Supabase or PGlite). Every ledger method rejects with one
 * of these; the pipeline treats any of them as "do not execute" and, when `retryable`, leaves the
 * job on its queue to try again.
 */
import { defineErrors } from './registry.ts';

export const LedgerErrors = defineErrors('LEDGER', {
  UNAVAILABLE: {
    status: 503,
    message: 'ledger unavailable: {reason}',
    doc: 'The ledger database did not answer (connection refused or lost, timeout, shutdown, too many connections) or a write lost a race it can retry. Nothing was executed and the job stays queued; check DATABASE_URL and the database server.',
    retryable: true,
  },
  QUERY_FAILED: {
    status: 500,
    message: 'ledger query failed: {reason}',
    doc: 'The database answered but refused a ledger statement (a constraint, a missing table, a permission). Nothing was executed. Run `orchestrator migrate` and check the database role; retrying the same write will not help.',
  },
  MIGRATION_FAILED: {
    status: 500,
    message: 'ledger migration {name} failed: {reason}',
    doc: 'A file in supabase/migrations could not be applied; its transaction was rolled back and the daemon does not start. Fix the migration or the database and start again.',
  },
  CONFIG_INVALID: {
    status: 500,
    message: 'ledger configuration invalid: {reason}',
    doc: 'DATABASE_URL is not a postgres:// URL, or the ledger schema name is not a plain lower-case SQL identifier.',
  },
  LOCKED: {
    status: 503,
    message: 'embedded ledger at {dir} is in use by process {pid}',
    doc: 'PGlite is single-process: another daemon or CLI process holds the embedded ledger directory (`<dir>.lock` names its pid). Stop it, or point DATABASE_URL at PostgreSQL to run several daemons. A lock left by a dead process is taken over automatically.',
    retryable: true,
  },
});
