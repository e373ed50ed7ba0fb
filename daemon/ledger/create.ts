/**
 * Picks the ledger: Postgres when a `DATABASE_URL` is configured (a local server or Supabase),
 * otherwise the embedded PGlite ledger under `<dataDir>/ledger`.
 */
import { join } from 'node:path';
import { createPgliteLedger } from './pglite.ts';
import { createPostgresLedger, type PostgresLedgerOptions } from './postgres.ts';
import type { SqlLedger } from './sql-ledger.ts';

export interface CreateLedgerOptions {
  /** `DATABASE_URL`; when set (non-empty) the Postgres ledger is used. @defaultValue unset */
  readonly databaseUrl?: string | undefined;
  /** The daemon's data directory; the embedded ledger lives in `<dataDir>/ledger`. `memory://` keeps it in memory. */
  readonly dataDir: string;
  /** Schema for the ledger tables (search_path); created by `migrate()`. @defaultValue the default search_path */
  readonly schema?: string | undefined;
  /** @defaultValue `supabase/migrations` of this checkout */
  readonly migrationsDir?: string | undefined;
  /** Pool and timeout settings of the Postgres ledger. */
  readonly postgres?: Omit<PostgresLedgerOptions, 'databaseUrl' | 'schema' | 'migrationsDir'>;
}

/**
 * Opens the configured ledger. It is not migrated yet: call `migrate()` at start-up.
 *
 * @example
 * ```ts
 * const ledger = await createLedger({ databaseUrl: process.env.DATABASE_URL, dataDir: './.data' });
 * const applied = await ledger.migrate();
 * ```
 */
export async function createLedger(opts: CreateLedgerOptions): Promise<SqlLedger> {
  const schema = opts.schema || undefined;
  const migrationsDir = opts.migrationsDir || undefined;
  if (opts.databaseUrl) {
    return createPostgresLedger({ ...opts.postgres, databaseUrl: opts.databaseUrl, schema, migrationsDir });
  }
  const dir = opts.dataDir.startsWith('memory://') ? opts.dataDir : join(opts.dataDir, 'ledger');
  return createPgliteLedger({ dir, schema, migrationsDir });
}
