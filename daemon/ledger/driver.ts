/**
 * The narrow SQL seam the ledger is written against. Two implementations: `pg.Pool`
 * (`postgres.ts`) and PGlite (`pglite.ts`). Everything above this seam — statements, row mapping,
 * migrations — is shared, so both stores behave the same and are tested by one suite.
 *
 * Implementations reject only with `OrchestratorError`s from `daemon/errors/ledger.ts`
 * (see `toLedgerError`), never with raw driver errors.
 */

export interface SqlExecutor {
  /** One parameterised statement (`$1`…); values are never spliced into the text. */
  query<R extends object>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** A script of several statements without parameters (migration files). */
  exec(script: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` inside one transaction on one connection; rolls back when `fn` throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
