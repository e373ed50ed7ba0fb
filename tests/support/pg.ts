/**
 * Real PostgreSQL for integration tests: a fresh schema per test, dropped afterwards, so tests
 * can run in parallel against one server without seeing each other's rows.
 *
 * The server is `TEST_DATABASE_URL`, by default the local one CI starts
 * (`postgres://postgres@127.0.0.1:5432/postgres`).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestSchema {
  readonly databaseUrl: string;
  /** A fresh, empty schema, e.g. `test_3f9a0c1d2e4b`. */
  readonly schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Throws a message that says how to start the server when it does not answer, instead of a
 * bare ECONNREFUSED from the middle of a test.
 *
 * @example
 * ```ts
 * beforeAll(() => requirePostgres());
 * ```
 */
export async function requirePostgres(): Promise<void> {
  try {
    await admin((c) => c.query('select 1'));
  } catch (err) {
    throw new Error(
      `PostgreSQL did not answer at ${new URL(TEST_DATABASE_URL).host} (TEST_DATABASE_URL): ${(err as Error).message}. ` +
        'Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    );
  }
}

/**
 * Creates a schema with a random name.
 *
 * @example
 * ```ts
 * let db: TestSchema;
 * beforeEach(async () => { db = await freshSchema(); });
 * afterEach(() => db.drop());
 * ```
 */
export async function freshSchema(): Promise<TestSchema> {
  // Lower-case letters and digits only: what the ledger accepts as a schema name.
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create schema "${schema}"`));
  return {
    databaseUrl: TEST_DATABASE_URL,
    schema,
    drop: () => admin(async (c) => void (await c.query(`drop schema if exists "${schema}" cascade`))),
  };
}

/**
 * A TCP port on 127.0.0.1 that nothing listens on (bound, then released), for "server down"
 * tests.
 */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
