/**
 * The embedded ledger: PGlite (Postgres compiled to WebAssembly) inside the daemon's process,
 * under a data directory, or in memory for tests. Same SQL and migrations as the Postgres ledger;
 * single-process, so a lock file keeps a second process out of the directory.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import { lockDir } from './dir-lock.ts';
import { toLedgerError } from './errors.ts';
import { SqlLedger } from './sql-ledger.ts';
import { schemaIdent } from './sql.ts';

export interface PgliteLedgerOptions {
  /** Directory of the database files; `undefined` or `memory://` keeps it in memory. @defaultValue in memory */
  readonly dir?: string;
  /** Schema holding the ledger tables (set as search_path). @defaultValue `public` */
  readonly schema?: string;
  /** @defaultValue `supabase/migrations` of this checkout */
  readonly migrationsDir?: string;
  /**
   * Extra PGlite options. Tests pass `loadDataDir` (a `dumpDataDir()` snapshot of a fresh
   * database) to skip the initdb every new in-memory database otherwise runs. @defaultValue none
   */
  readonly pglite?: Omit<PGliteOptions, 'dataDir'>;
}

/** PGlite and pg agree on the call shape; only the result wrapper differs. */
interface PgliteLike {
  query<T>(query: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(query: string): Promise<unknown>;
}

function executor(c: PgliteLike): SqlExecutor {
  return {
    async query<R extends object>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      try {
        return (await c.query<R>(text, [...params])).rows;
      } catch (err) {
        throw toLedgerError(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await c.exec(script);
      } catch (err) {
        throw toLedgerError(err);
      }
    },
  };
}

/**
 * Opens (creating if needed) the embedded database.
 *
 * @example
 * ```ts
 * const driver = await openPgliteDriver({ dir: '.data/ledger' });
 * await driver.query('select 1');
 * await driver.close();
 * ```
 */
export async function openPgliteDriver(opts: PgliteLedgerOptions): Promise<SqlDriver> {
  const inMemory = opts.dir === undefined || opts.dir.startsWith('memory://');
  const searchPath = opts.schema === undefined ? undefined : schemaIdent(opts.schema);
  let release: (() => Promise<void>) | undefined;
  let db: PGlite;
  try {
    if (inMemory) {
      db = await PGlite.create(opts.pglite);
    } else {
      const dir = resolve(opts.dir as string);
      // PGlite creates the last path segment only.
      await mkdir(dirname(dir), { recursive: true });
      release = await lockDir(dir);
      db = await PGlite.create(dir, opts.pglite);
    }
    if (searchPath) await db.query("select set_config('search_path', $1, false)", [searchPath]);
  } catch (err) {
    await release?.();
    throw toLedgerError(err);
  }

  const direct = executor(db);
  let closing: Promise<void> | undefined;
  return {
    kind: 'pglite',
    query: direct.query,
    exec: direct.exec,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      // Errors of `fn` pass through as they are (driver errors in it are already wrapped);
      // only PGlite's own begin/commit failures need wrapping here.
      let fromFn: { err: unknown } | undefined;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn(executor(tx));
          } catch (err) {
            fromFn = { err };
            throw err;
          }
        });
      } catch (err) {
        if (fromFn && fromFn.err === err) throw err;
        throw toLedgerError(err);
      }
    },
    close(): Promise<void> {
      closing ??= (async () => {
        try {
          await db.close();
        } finally {
          await release?.();
        }
      })();
      return closing;
    },
  };
}

/**
 * The embedded ledger. Run `migrate()` before use.
 *
 * @example
 * ```ts
 * const ledger = await createPgliteLedger({ dir: '.data/ledger' });
 * await ledger.migrate();
 * ```
 */
export async function createPgliteLedger(opts: PgliteLedgerOptions = {}): Promise<SqlLedger> {
  const driver = await openPgliteDriver(opts);
  return new SqlLedger(driver, { migrationsDir: opts.migrationsDir, schema: opts.schema });
}
