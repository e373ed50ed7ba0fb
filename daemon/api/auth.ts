/**
 * Bearer-token authentication and role checks for the HTTP API.
 *
 * Tokens are compared in constant time: both sides are hashed to 32 bytes (so lengths never
 * differ) and every configured token is compared on every request, with no early exit, so the
 * answer time tells an attacker neither which token nearly matched nor how many are configured
 * before the match. The agent's identity is the token's subject; nothing in a request body can
 * claim another one.
 *
 * @example
 * ```ts
 * const verifier = new TokenVerifier([{ role: 'agent', subject: 'agent-7', token: 's3cret…' }]);
 * verifier.verify(parseBearer('Bearer s3cret…')); // → { role: 'agent', subject: 'agent-7' }
 * ```
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';

/** Every role a token can carry. */
export const ROLES = ['agent', 'oncall', 'security', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may read any agent's actions. */
export const STAFF_ROLES: readonly Role[] = ['oncall', 'security', 'admin'];

/** One configured credential (from `ORCHESTRATOR_AUTH_TOKENS="role:subject:token,…"`). */
export interface TokenEntry {
  readonly role: Role;
  /** Who the token speaks for: the agent id for agents, a person or team for staff. */
  readonly subject: string;
  readonly token: string;
}

/** The authenticated caller of one request. Carries no secret. */
export interface Principal {
  readonly role: Role;
  readonly subject: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on routes that require a role; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on this route; absent means the route is public. */
    roles?: readonly Role[];
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Holds the configured tokens as digests and answers "whose token is this?".
 *
 * @example
 * ```ts
 * const v = new TokenVerifier(config.authTokens);
 * const who = v.verify(parseBearer(req.headers.authorization)); // undefined when unknown
 * ```
 */
export class TokenVerifier {
  private readonly entries: readonly { readonly digest: Buffer; readonly principal: Principal }[];

  constructor(tokens: readonly TokenEntry[]) {
    const seen = new Set<string>();
    this.entries = tokens.map((t, i) => {
      if (!(ROLES as readonly string[]).includes(t.role)) {
        throw new Error(
          `auth token #${i + 1}: unknown role ${JSON.stringify(t.role)} (one of ${ROLES.join(', ')})`,
        );
      }
      if (t.subject.trim() === '') throw new Error(`auth token #${i + 1}: empty subject`);
      if (t.token === '') throw new Error(`auth token #${i + 1} (${t.subject}): empty token`);
      const d = digest(t.token);
      // The same secret under two roles would make the caller's role ambiguous. The message names
      // the subject, never the token.
      const key = d.toString('hex');
      if (seen.has(key))
        throw new Error(`auth token #${i + 1} (${t.subject}): the same token is configured twice`);
      seen.add(key);
      return { digest: d, principal: Object.freeze({ role: t.role, subject: t.subject }) };
    });
  }

  /** Number of configured tokens (for start-up logs; never the tokens themselves). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * The principal whose token equals `presented`, or undefined. Compares against every entry.
   *
   * @example
   * ```ts
   * verifier.verify('wrong'); // → undefined, after as many comparisons as a match costs
   * ```
   */
  verify(presented: string | undefined): Principal | undefined {
    if (presented === undefined) return undefined;
    const d = digest(presented);
    let found: Principal | undefined;
    for (const e of this.entries) {
      // No break: the loop length must not depend on where (or whether) the token matched.
      const equal = timingSafeEqual(d, e.digest);
      if (equal && found === undefined) found = e.principal;
    }
    return found;
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header, or undefined. The scheme is
 * case-insensitive (RFC 7235); anything else (Basic, empty) yields undefined.
 *
 * @example
 * ```ts
 * parseBearer('Bearer abc'); // → 'abc'
 * parseBearer('Basic abc');  // → undefined
 * ```
 */
export function parseBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return m?.[1];
}

/**
 * A Fastify `onRequest` hook enforcing `config.roles` of the matched route. Runs before the body
 * is read, so an unauthenticated caller cannot make the server parse a large body.
 *
 * @example
 * ```ts
 * app.addHook('onRequest', authHook(new TokenVerifier(tokens)));
 * app.get('/v1/x', { config: { roles: ['admin'] } }, handler);
 * ```
 */
export function authHook(
  verifier: TokenVerifier,
): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req) => {
    const roles = req.routeOptions.config?.roles;
    if (roles === undefined) return;
    const principal = verifier.verify(parseBearer(req.headers.authorization));
    if (principal === undefined) throw new OrchestratorError(ApiErrors.UNAUTHENTICATED);
    if (!roles.includes(principal.role)) {
      throw new OrchestratorError(ApiErrors.FORBIDDEN, {
        role: principal.role,
        operation: `${req.method} ${req.routeOptions.url ?? req.url}`,
      });
    }
    req.principal = principal;
  };
}
