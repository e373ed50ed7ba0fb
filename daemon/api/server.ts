/**
 * The HTTP API: intake for agents, action lookups for agents and staff, health, readiness,
 * metrics and OpenAPI. Built on Fastify; this module only wires plugins, hooks and routes —
 * each concern lives in its own file (auth, error handling, route groups, OpenAPI).
 *
 * Order matters: the rate limiter and the OpenAPI generator watch routes as they are added, so
 * both are registered before the route plugins; the auth hook is a root `onRequest` hook, so it
 * runs before the per-route rate limiter (whose key is the authenticated subject) and before any
 * body is read.
 *
 * @example
 * ```ts
 * const app = buildServer({
 *   intake, ledger, readiness, metrics,
 *   tokens: [{ role: 'agent', subject: 'agent-7', token: process.env.AGENT_TOKEN! }],
 *   bodyLimit: 65_536,
 *   rateLimitPerMinute: 120,
 * });
 * await app.listen({ port: 8080, host: '127.0.0.1' });
 * ```
 */
import rateLimit from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
import { sharedRateLimitStore } from './rate-limit-store.ts';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { SessionStore } from '../../connectors/session-store.ts';
import type { IntakeService, Ledger, PartnerStore, Readiness } from '../core/types.ts';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { Metrics } from '../metrics.ts';
import { authHook, type TokenEntry, TokenVerifier } from './auth.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { registerOpenApi } from './openapi.ts';
import { actionRoutes } from './routes-actions.ts';
import { type ApprovalRoutesOptions, approvalRoutes } from './routes-approvals.ts';
import { commandRoutes } from './routes-commands.ts';
import { eventRoutes } from './routes-events.ts';
import { type AlertRoutesOptions, alertRoutes } from './routes-alerts.ts';
import { type ControlRoutesOptions, controlRoutes } from './routes-control.ts';
import { operationRoutes } from './routes-operations.ts';
import { partnerRoutes } from './routes-partners.ts';
import { sessionRoutes } from './routes-sessions.ts';

export interface ServerDeps {
  readonly intake: IntakeService;
  readonly ledger: Ledger;
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** Configured credentials (`ORCHESTRATOR_AUTH_TOKENS`). */
  readonly tokens: readonly TokenEntry[];
  /** Largest request body in bytes; larger bodies are refused (413) before parsing. */
  readonly bodyLimit: number;
  /** `POST /v1/commands` per agent per minute. */
  readonly rateLimitPerMinute: number;
  /**
   * Where the per-agent request counts live. With Redis every replica counts together (an agent
   * cannot multiply its limit by the number of replicas); without it each process counts alone.
   * @defaultValue in-process counts
   */
  readonly rateLimitRedis?: Redis;
  /** Key prefix of those counts in Redis. @defaultValue 'orc-ratelimit:' */
  readonly rateLimitNamespace?: string;
  /**
   * `GET /v1/actions…` per caller per minute; agents poll while waiting for an outcome.
   * @defaultValue 10 × rateLimitPerMinute
   */
  readonly readRateLimitPerMinute?: number;
  /**
   * How long `/readyz` waits for the dependency checks.
   * @defaultValue 3000 (ms)
   */
  readonly readinessTimeoutMs?: number;
  /** Curated discovery partners (`/v1/admin/partners`); without a store those routes are not served. */
  readonly partners?: PartnerStore;
  /**
   * Between ledger reads of an open `GET /v1/actions/:id/events` stream (`ACTION_EVENTS_POLL_MS`).
   * @defaultValue 250 (ms)
   */
  readonly eventsPollMs?: number;
  /** Human approvals (`/v1/approvals`); without them those routes are not served. */
  readonly approvals?: Omit<ApprovalRoutesOptions, 'ledger'>;
  /** Experience sessions (`/v1/sessions`, `/v1/admin/sessions`); without them those routes are not served. */
  readonly sessions?: SessionStore;
  /** The kill switch and the poller (`/v1/control/*`); without it those routes are not served. */
  readonly control?: ControlRoutesOptions['control'];
  /** Alert delivery (`/v1/alerts/*`); without it those routes are not served. */
  readonly alerts?: AlertRoutesOptions['alerts'];
  /** A pino logger; without one the server logs nothing. */
  readonly logger?: FastifyBaseLogger;
}

export const SERVER_DEFAULTS = {
  readRateMultiplier: 10, // reads allowed per submission allowed
  readinessTimeoutMs: 3_000, // whole /readyz answer
  eventsPollMs: 250, // between ledger reads of an event stream
} as const;

/**
 * Builds the Fastify app (not listening). Plugins load on `ready()`, `inject()` or `listen()`.
 *
 * @example
 * ```ts
 * const app = buildServer(deps);
 * const res = await app.inject({ method: 'GET', url: '/healthz' }); // 200 {"status":"ok"}
 * ```
 */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const verifier = new TokenVerifier(deps.tokens);
  const app: FastifyInstance = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: deps.bodyLimit,
    // Refuse rather than strip: a command with __proto__/constructor keys is an attack, not a typo.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });

  // The API speaks JSON only: without this, a text/plain body would reach the intake as a string.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('principal', null);
  app.setErrorHandler(errorHandler({ bodyLimit: deps.bodyLimit }));
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onRequest', authHook(verifier));
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.observeHttp(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });

  app.register(rateLimit, {
    global: false,
    // Shared counts; if Redis cannot answer, requests are refused (fail closed), not waved through.
    ...(deps.rateLimitRedis
      ? { store: sharedRateLimitStore(deps.rateLimitRedis, deps.rateLimitNamespace ?? 'orc-ratelimit:') }
      : {}),
    // Per agent (or staff member), not per IP: many agents may share one egress address.
    keyGenerator: (req) => (req.principal ? `${req.principal.role}:${req.principal.subject}` : req.ip),
    errorResponseBuilder: (_req, ctx) =>
      new OrchestratorError(ApiErrors.RATE_LIMITED, {
        max: ctx.max,
        retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)),
        details: { limit_per_minute: ctx.max, retry_after_seconds: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
      }),
  });
  registerOpenApi(app);

  const readRate =
    deps.readRateLimitPerMinute ?? deps.rateLimitPerMinute * SERVER_DEFAULTS.readRateMultiplier;
  app.register(commandRoutes, { intake: deps.intake, rateLimitPerMinute: deps.rateLimitPerMinute });
  app.register(actionRoutes, { ledger: deps.ledger, readRateLimitPerMinute: readRate });
  app.register(eventRoutes, {
    ledger: deps.ledger,
    pollMs: deps.eventsPollMs ?? SERVER_DEFAULTS.eventsPollMs,
    readRateLimitPerMinute: readRate,
  });
  if (deps.partners) app.register(partnerRoutes, { partners: deps.partners });
  if (deps.approvals) app.register(approvalRoutes, { ledger: deps.ledger, ...deps.approvals });
  if (deps.sessions) app.register(sessionRoutes, { sessions: deps.sessions });
  if (deps.control) app.register(controlRoutes, { control: deps.control });
  if (deps.alerts) app.register(alertRoutes, { alerts: deps.alerts });
  app.register(operationRoutes, {
    readiness: deps.readiness,
    metrics: deps.metrics,
    readinessTimeoutMs: deps.readinessTimeoutMs ?? SERVER_DEFAULTS.readinessTimeoutMs,
  });
  return app;
}
