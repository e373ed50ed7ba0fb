/**
 * Applies `supabase/migrations/*.sql` in name order, each in its own transaction, and records
 * each in `orchestrator_migrations`. Idempotent: applied versions are skipped.
 *
 * Several daemons may start against one database at once, so every transaction that creates or
 * applies anything first takes a transaction-scoped advisory lock (released at commit or
 * rollback, so a crashed daemon cannot leave it held) and re-checks what is applied under it.
 * PGlite has one connection per process; the same statements run there and the lock is a no-op
 * in effect.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import { schemaIdent } from './sql.ts';

/** `supabase/migrations` of this checkout, independent of the working directory. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../supabase/migrations/', import.meta.url));

/** Supabase CLI layout: `<14-digit timestamp>_<name>.sql`. */
const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  readonly version: string;
  readonly name: string;
  /** `<version>_<name>`, what `migrate` reports. */
  readonly id: string;
  readonly sql: string;
}

export interface MigrateOptions {
  /** @defaultValue {@link DEFAULT_MIGRATIONS_DIR} */
  readonly dir?: string;
  /** Schema to create (if missing) and migrate; the driver's search_path must point at it. */
  readonly schema?: string;
}

/**
 * Reads the migration files in version order. A `.sql` file that does not follow the Supabase
 * naming is an error rather than silently skipped: a typo must not drop a migration.
 *
 * @example
 * ```ts
 * const files = await readMigrations(DEFAULT_MIGRATIONS_DIR);
 * files.map((f) => f.id); // ['20261121080000_ledger']
 * ```
 */
export async function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  } catch (err) {
    throw new OrchestratorError(
      LedgerErrors.MIGRATION_FAILED,
      { name: dir, reason: `cannot read the migrations directory (${(err as Error).message})` },
      { cause: err },
    );
  }
  const files: MigrationFile[] = [];
  for (const file of names) {
    const m = FILE_NAME.exec(file);
    if (!m) {
      throw new OrchestratorError(LedgerErrors.MIGRATION_FAILED, {
        name: file,
        reason: 'file name must be <14-digit timestamp>_<lower_snake_name>.sql',
      });
    }
    const [, version, name] = m as unknown as [string, string, string];
    files.push({ version, name, id: `${version}_${name}`, sql: await readFile(join(dir, file), 'utf8') });
  }
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.version)) {
      throw new OrchestratorError(LedgerErrors.MIGRATION_FAILED, { name: f.id, reason: 'duplicate version' });
    }
    seen.add(f.version);
  }
  return files;
}

// The lock key is per schema so tests migrating fresh schemas in parallel do not queue up.
async function lock(tx: SqlExecutor, schema: string | undefined): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`mcp-orchestrator:migrate:${schema ?? ''}`]);
}

const BOOTSTRAP = `create table if not exists orchestrator_migrations (
    version    text        primary key,
    name       text        not null,
    applied_at timestamptz not null default now()
  );
  alter table orchestrator_migrations enable row level security;`;

async function appliedVersions(db: SqlExecutor): Promise<Set<string>> {
  const rows = await db.query<{ version: string }>('select version from orchestrator_migrations');
  return new Set(rows.map((r) => r.version));
}

/**
 * Applies the migrations not yet recorded; returns the ids applied, in order (empty when the
 * ledger is up to date). A failing file rolls back alone and stops the run with
 * MIGRATION_FAILED (or UNAVAILABLE when the database went away).
 *
 * @example
 * ```ts
 * const applied = await migrate(driver, { schema: 'orchestrator' });
 * if (applied.length) logger.info({ applied }, 'ledger migrations applied');
 * ```
 */
export async function migrate(driver: SqlDriver, opts: MigrateOptions = {}): Promise<string[]> {
  const files = await readMigrations(opts.dir);
  const schema = opts.schema;
  const createSchema =
    schema === undefined ? undefined : `create schema if not exists ${schemaIdent(schema)}`;

  await driver.transaction(async (tx) => {
    await lock(tx, schema);
    if (createSchema) await tx.exec(createSchema);
    await tx.exec(BOOTSTRAP);
  });

  // A first read without the lock lets an up-to-date ledger start without queuing behind others.
  const known = await appliedVersions(driver);
  const applied: string[] = [];
  for (const file of files) {
    if (known.has(file.version)) continue;
    try {
      const done = await driver.transaction(async (tx) => {
        await lock(tx, schema);
        if ((await appliedVersions(tx)).has(file.version)) return false;
        // Index builds on a large ledger may outlast the session's statement timeout.
        await tx.query("select set_config('statement_timeout', '0', true)");
        await tx.exec(file.sql);
        await tx.query('insert into orchestrator_migrations (version, name) values ($1, $2)', [
          file.version,
          file.name,
        ]);
        return true;
      });
      if (done) applied.push(file.id);
    } catch (err) {
      if (err instanceof OrchestratorError && err.code === LedgerErrors.UNAVAILABLE.code) throw err;
      const inner = err instanceof OrchestratorError ? err.params.reason : undefined;
      const reason = typeof inner === 'string' ? inner : err instanceof Error ? err.message : String(err);
      throw new OrchestratorError(LedgerErrors.MIGRATION_FAILED, { name: file.id, reason }, { cause: err });
    }
  }
  return applied;
}
