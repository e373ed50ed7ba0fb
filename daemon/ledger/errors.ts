/**
 * Turns driver errors (pg, PGlite, Node sockets) into ledger error codes, and keeps the
 * connection string's password out of every message and cause.
 *
 * Classification decides whether the pipeline retries: anything that says "the store is not
 * reachable right now" is UNAVAILABLE (retryable, job kept); a statement the server answered and
 * refused is QUERY_FAILED (retrying the same write cannot help).
 */
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';

/**
 * SQLSTATEs that mean "not now" rather than "never": connection exceptions (class 08),
 * insufficient resources (53), operator intervention (57: shutdown, statement timeout,
 * cannot connect now), serialization failure and deadlock (40001, 40P01), lock not available.
 */
function isTransientSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code.startsWith('53') ||
    code.startsWith('57') ||
    code === '40001' ||
    code === '40P01' ||
    code === '55P03'
  );
}

/** A SQLSTATE; its first letter is never E, which keeps Node's EPIPE or EBUSY out. */
const SQLSTATE = /^[0-9FHPX][0-9A-Z]{4}$/;

/** Reads `err.code` without trusting the shape of what was thrown. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A readable reason even for pg's AggregateError (IPv4 + IPv6 refused), whose message is empty. */
function describe(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    const inner = err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e)));
    return inner.join('; ') || codeOf(err) || 'connection failed';
  }
  if (err instanceof Error) return err.message || codeOf(err) || err.name;
  return String(err);
}

/**
 * Replaces every secret, and any `scheme://user:password@` userinfo, with `***`.
 *
 * @example
 * ```ts
 * redact('bad url postgres://app:hunter2@db/x', ['hunter2']); // 'bad url postgres://app:***@db/x'
 * ```
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** The secrets hidden in a connection string: its password, raw and percent-decoded. */
export function secretsOf(databaseUrl: string | undefined): string[] {
  if (!databaseUrl) return [];
  try {
    const pw = new URL(databaseUrl).password;
    if (!pw) return [];
    let decoded = pw;
    try {
      decoded = decodeURIComponent(pw);
    } catch {
      // A malformed escape: the raw form is all that can appear in messages.
    }
    return [...new Set([pw, decoded])];
  } catch {
    return [];
  }
}

/** The driver error as a cause, unless its text would carry a secret (then a redacted copy). */
function safeCause(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error)) return redact(String(err), secrets);
  const text = `${err.message}\n${err.stack ?? ''}`;
  if (redact(text, secrets) === text) return err;
  const copy = new Error(redact(err.message, secrets));
  const code = codeOf(err);
  if (code) Object.assign(copy, { code });
  return copy;
}

/**
 * Maps anything a driver threw to UNAVAILABLE or QUERY_FAILED (an `OrchestratorError` passes
 * through). Errors without a SQLSTATE come from the socket, the pool or a closed PGlite, so they
 * count as unavailable.
 *
 * @example
 * ```ts
 * try { await pool.query(sql, params); } catch (err) { throw toLedgerError(err, secrets); }
 * ```
 */
export function toLedgerError(err: unknown, secrets: readonly string[] = []): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const code = codeOf(err);
  const base = redact(describe(err), secrets);
  const cause = safeCause(err, secrets);
  if (code && SQLSTATE.test(code)) {
    const reason = `${base} (SQLSTATE ${code})`;
    const spec = isTransientSqlState(code) ? LedgerErrors.UNAVAILABLE : LedgerErrors.QUERY_FAILED;
    return new OrchestratorError(spec, { reason, sqlState: code }, { cause });
  }
  return new OrchestratorError(LedgerErrors.UNAVAILABLE, { reason: base }, { cause });
}
