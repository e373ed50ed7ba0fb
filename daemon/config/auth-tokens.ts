/**
 * Parses API credentials: `role:subject:token` entries, comma-separated in
 * `ORCHESTRATOR_AUTH_TOKENS`, one per line (with `#` comment lines) in
 * `ORCHESTRATOR_AUTH_TOKENS_FILE`. Problems name the entry by position and never quote any part
 * of it: a mistyped entry is often a token in the wrong place, and config errors are logged.
 */
import { AUTH_ROLES, type AuthRole, type AuthToken } from './config.ts';

export const SUBJECT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Printable ASCII without spaces: a token must survive an HTTP header unchanged. */
export const TOKEN_PATTERN = /^[\x21-\x7e]{16,512}$/;

export interface ParsedTokens {
  readonly tokens: AuthToken[];
  /** Where each token came from (`entry 1`, `line 4`), parallel to `tokens`. */
  readonly positions: string[];
  /** One message per bad entry, e.g. `entry 2: role must be one of agent, oncall, security, admin`. */
  readonly problems: string[];
}

function parseEntry(entry: string): AuthToken | string {
  const first = entry.indexOf(':');
  const second = first < 0 ? -1 : entry.indexOf(':', first + 1);
  if (second < 0) return 'expected role:subject:token';
  const role = entry.slice(0, first).trim();
  const subject = entry.slice(first + 1, second).trim();
  // Everything after the second colon is the token, colons included.
  const token = entry.slice(second + 1).trim();
  if (!(AUTH_ROLES as readonly string[]).includes(role))
    return `role must be one of ${AUTH_ROLES.join(', ')}`;
  if (!SUBJECT_PATTERN.test(subject))
    return 'subject must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_" or "-"';
  if (token.length < 16) return 'token must be at least 16 characters';
  if (!TOKEN_PATTERN.test(token)) return 'token must be 16 to 512 printable ASCII characters without spaces';
  return { role: role as AuthRole, subject, token };
}

/**
 * Parses the entries of one source. `label` prefixes the position in problems (`entry` for the
 * comma list, `line` for the file), so the operator can find the bad one without it being shown.
 *
 * @example
 * ```ts
 * parseAuthTokens('agent:agent-7:0123456789abcdef0123,oncall:alice:fedcba9876543210fedc', 'comma');
 * // { tokens: [{ role: 'agent', subject: 'agent-7', token: '0123…' }, …], problems: [] }
 * parseAuthTokens('# staff\nadmin:root:short', 'lines').problems;
 * // ['line 2: token must be at least 16 characters']
 * ```
 */
export function parseAuthTokens(text: string, format: 'comma' | 'lines'): ParsedTokens {
  const tokens: AuthToken[] = [];
  const positions: string[] = [];
  const problems: string[] = [];
  const label = format === 'comma' ? 'entry' : 'line';
  const items = format === 'comma' ? text.split(',') : text.split(/\r?\n/);
  items.forEach((raw, i) => {
    const entry = raw.trim();
    // Empty entries (a trailing comma, blank lines) and comment lines carry nothing.
    if (entry === '' || (format === 'lines' && entry.startsWith('#'))) return;
    const parsed = parseEntry(entry);
    if (typeof parsed === 'string') problems.push(`${label} ${i + 1}: ${parsed}`);
    else {
      tokens.push(parsed);
      positions.push(`${label} ${i + 1}`);
    }
  });
  return { tokens, positions, problems };
}

/**
 * Problems with the combined list: the same secret twice would make the caller's identity
 * ambiguous (which subject, which role?), so it is refused wherever the copies come from.
 * `where` names each token's origin, parallel to `tokens`.
 *
 * @example
 * ```ts
 * duplicateTokenProblems([a, b, a], ['ORCHESTRATOR_AUTH_TOKENS entry 1', 'ORCHESTRATOR_AUTH_TOKENS entry 2', 'ORCHESTRATOR_AUTH_TOKENS_FILE line 3']);
 * // ['ORCHESTRATOR_AUTH_TOKENS_FILE line 3 repeats the token of ORCHESTRATOR_AUTH_TOKENS entry 1']
 * ```
 */
export function duplicateTokenProblems(tokens: readonly AuthToken[], where: readonly string[]): string[] {
  const firstSeen = new Map<string, string>();
  const problems: string[] = [];
  tokens.forEach((t, i) => {
    const here = where[i] ?? `token ${i + 1}`;
    const prior = firstSeen.get(t.token);
    if (prior === undefined) firstSeen.set(t.token, here);
    else problems.push(`${here} repeats the token of ${prior}`);
  });
  return problems;
}
