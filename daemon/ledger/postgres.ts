/**
 * The Postgres ledger: a `pg.Pool` on `DATABASE_URL` — a local server or a Supabase connection
 * string (the direct connection or the session pooler; with the transaction pooler a `schema`
 * cannot be used, because the per-connection search_path would not stick).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { SqlDriver, SqlExecutor } from './driver.ts';
import { secretsOf, toLedgerError } from './errors.ts';
import { SqlLedger } from './sql-ledger.ts';
import { schemaIdent } from './sql.ts';

export interface PostgresLedgerOptions {
  /** `postgres://` or `postgresql://` URL. Its password never appears in errors. */
  readonly databaseUrl: string;
  /** Schema holding the ledger tables (set as search_path). @defaultValue the role's search_path, usually `public` */
  readonly schema?: string;
  /** @defaultValue `supabase/migrations` of this checkout */
  readonly migrationsDir?: string;
  /** Pool size. @defaultValue 10 */
  readonly poolMax?: number;
  /** Give up opening a connection after this long. @defaultValue 5_000 */
  readonly connectTimeoutMs?: number;
  /** Server-side limit per statement, so a stuck ledger fails closed instead of hanging. @defaultValue 15_000 */
  readonly statementTimeoutMs?: number;
  /** Close connections idle this long. @defaultValue 30_000 */
  readonly idleTimeoutMs?: number;
  /**
   * Name (prepare) parameterised statements once per connection. Turn off behind a pooler that
   * cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
   * @defaultValue true
   */
  readonly preparedStatements?: boolean;
  /** Errors on idle connections (the pool replaces the connection). @defaultValue ignored */
  readonly onError?: (err: OrchestratorError) => void;
}

export const POSTGRES_DEFAULTS = {
  poolMax: 10, // connections
  connectTimeoutMs: 5_000, // per new connection
  statementTimeoutMs: 15_000, // per statement, enforced by the server
  idleTimeoutMs: 30_000, // before an idle connection is closed
} as const;

function checkUrl(databaseUrl: string): void {
  let protocol: string;
  try {
    protocol = new URL(databaseUrl).protocol;
  } catch {
    // The URL itself is not echoed: it may carry the password.
    throw new OrchestratorError(LedgerErrors.CONFIG_INVALID, { reason: 'DATABASE_URL is not a valid URL' });
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new OrchestratorError(LedgerErrors.CONFIG_INVALID, {
      reason: `DATABASE_URL must start with postgres:// or postgresql:// (got ${protocol}//)`,
    });
  }
}

/**
 * Opens a pool (lazily: no connection is made until the first query).
 *
 * @example
 * ```ts
 * const driver = openPostgresDriver({ databaseUrl: process.env.DATABASE_URL! });
 * await driver.query('select 1');
 * ```
 */
export function openPostgresDriver(opts: PostgresLedgerOptions): SqlDriver {
  checkUrl(opts.databaseUrl);
  const secrets = secretsOf(opts.databaseUrl);
  const searchPath = opts.schema === undefined ? undefined : schemaIdent(opts.schema);
  const statementTimeout = String(opts.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs);
  const wrap = (err: unknown): OrchestratorError => toLedgerError(err, secrets);

  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.poolMax ?? POSTGRES_DEFAULTS.poolMax,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs ?? POSTGRES_DEFAULTS.idleTimeoutMs,
    application_name: 'mcp-orchestrator',
    keepAlive: true,
    // Session settings through SQL rather than startup parameters: poolers such as PgBouncer
    // refuse unknown startup parameters. The pool awaits this before handing out the connection.
    onConnect: async (client) => {
      await client.query("select set_config('statement_timeout', $1, false)", [statementTimeout]);
      if (searchPath) await client.query("select set_config('search_path', $1, false)", [searchPath]);
    },
  });
  // Without a listener an idle connection's error (server restart) would crash the process.
  pool.on('error', (err) => opts.onError?.(wrap(err)));

  // Parameterised statements are named, so each connection parses and plans them once: the
  // ledger's multi-row statements cost more to plan than to run at the sizes group commit sends.
  const names = new Map<string, string>();
  const nameOf = (text: string): string => {
    let name = names.get(text);
    if (name === undefined) {
      name = `orc_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  const executor = (c: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R extends object>(text: string, params: readonly unknown[] = []): Promise<R[]> {
      try {
        if (params.length > 0 && opts.preparedStatements !== false) {
          return (await c.query({ name: nameOf(text), text, values: [...params] })).rows as R[];
        }
        return (await c.query(text, [...params])).rows as R[];
      } catch (err) {
        throw wrap(err);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        // No parameters: pg uses the simple protocol, which accepts several statements.
        await c.query(script);
      } catch (err) {
        throw wrap(err);
      }
    },
  });
  const direct = executor(pool);
  let closing: Promise<void> | undefined;

  return {
    kind: 'postgres',
    query: direct.query,
    exec: direct.exec,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw wrap(err);
      }
      const tx = executor(client);
      let broken: Error | undefined;
      try {
        await tx.query('begin');
        const out = await fn(tx);
        await tx.query('commit');
        return out;
      } catch (err) {
        try {
          await client.query('rollback');
        } catch (rollbackErr) {
          // The connection is unusable: destroy it rather than return it to the pool.
          broken = rollbackErr as Error;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
}

/**
 * The Postgres ledger. Run `migrate()` before use.
 *
 * @example
 * ```ts
 * const ledger = createPostgresLedger({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' });
 * await ledger.migrate();
 * await ledger.ping();
 * ```
 */
export function createPostgresLedger(opts: PostgresLedgerOptions): SqlLedger {
  return new SqlLedger(openPostgresDriver(opts), { migrationsDir: opts.migrationsDir, schema: opts.schema });
}
