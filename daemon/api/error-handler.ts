/**
 * Turns whatever a route or hook threw into `{"error": {"code", "message", "details"?}}` with
 * the right status. Known errors keep their code; Fastify's own (body too large, malformed JSON,
 * schema validation) get API codes; anything else is a 500 that says nothing about its cause —
 * the cause goes to the log under the request id, which the answer carries.
 *
 * @example
 * ```ts
 * app.setErrorHandler(errorHandler({ bodyLimit: 65_536 }));
 * app.setNotFoundHandler(notFoundHandler);
 * ```
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';

/** One field-level problem, in the shape the command contract uses. */
export interface RequestIssue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

interface AjvLikeError {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = {
  querystring: 'query',
  params: 'path',
  body: 'body',
  headers: 'headers',
};

/** Ajv errors as `{path: 'query.limit', code: 'maximum', message: 'must be <= 500'}`. */
export function validationIssues(
  errors: readonly AjvLikeError[],
  context: string | undefined,
): RequestIssue[] {
  const part = PART_NAMES[context ?? ''] ?? context ?? 'request';
  return errors.map((e) => {
    const segments = (e.instancePath ?? '')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    const missing = e.params?.missingProperty;
    if (typeof missing === 'string') segments.push(missing);
    const extra = e.params?.additionalProperty;
    if (typeof extra === 'string') segments.push(extra);
    let message = e.message ?? 'is invalid';
    const allowed = e.params?.allowedValues;
    if (e.keyword === 'enum' && Array.isArray(allowed)) message = `must be one of ${allowed.join(', ')}`;
    return { path: [part, ...segments].join('.'), code: e.keyword ?? 'invalid', message };
  });
}

function summarize(issues: readonly RequestIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  return `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`;
}

/** Maps any thrown value to the error the client sees. Never exposes a non-Orchestrator message. */
export function toClientError(err: unknown, req: FastifyRequest, bodyLimit: number): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const fe = err as Partial<FastifyError> & { validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const issues = validationIssues(fe.validation as AjvLikeError[], fe.validationContext);
    return new OrchestratorError(ApiErrors.INVALID_REQUEST, {
      summary: summarize(issues),
      details: { issues },
    });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OrchestratorError(ApiErrors.PAYLOAD_TOO_LARGE, { limit: bodyLimit });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new OrchestratorError(ApiErrors.INVALID_JSON);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OrchestratorError(ApiErrors.UNSUPPORTED_MEDIA_TYPE);
    case 'FST_ERR_NOT_FOUND':
      return new OrchestratorError(ApiErrors.ROUTE_NOT_FOUND, { method: req.method, path: routePath(req) });
  }
  // Other client errors Fastify raises itself (bad Content-Length, bad encoding): its messages
  // describe the request, not our internals, so they may be shown.
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500 && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    return new OrchestratorError(ApiErrors.INVALID_REQUEST, { summary: fe.message ?? fe.code });
  }
  return new OrchestratorError(ApiErrors.INTERNAL, { requestId: req.id, details: { request_id: req.id } });
}

/** The path without its query string: query values may be long or odd; they don't belong in messages. */
function routePath(req: FastifyRequest): string {
  const path = req.url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/**
 * The Fastify error handler: logs, then answers with the client error.
 *
 * @example
 * ```ts
 * app.setErrorHandler(errorHandler({ bodyLimit: config.bodyLimitBytes }));
 * ```
 */
export function errorHandler(opts: {
  readonly bodyLimit: number;
}): (err: unknown, req: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (err, req, reply) => {
    const client = toClientError(err, req, opts.bodyLimit);
    if (client.code === ApiErrors.INTERNAL.code) {
      req.log.error({ err }, 'unexpected error answering request');
    } else if (client.status >= 500) {
      req.log.warn({ code: client.code, message: client.message }, 'request failed: dependency unavailable');
    } else {
      req.log.info({ code: client.code, status: client.status }, 'request refused');
    }
    if (client.code === ApiErrors.RATE_LIMITED.code) {
      const retry = client.params.retryAfterSeconds;
      if (typeof retry === 'number' && !reply.hasHeader('retry-after'))
        reply.header('retry-after', String(retry));
    }
    return reply.code(client.status).send(client.toJSON());
  };
}

/**
 * Answers unknown routes with `ORC_ERR_API_ROUTE_NOT_FOUND`.
 *
 * @example
 * ```ts
 * app.setNotFoundHandler(notFoundHandler);
 * ```
 */
export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = new OrchestratorError(ApiErrors.ROUTE_NOT_FOUND, { method: req.method, path: routePath(req) });
  return reply.code(e.status).send(e.toJSON());
}
