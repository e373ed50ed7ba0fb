/**
 * Unauthenticated operational endpoints: `/healthz` (the process answers), `/readyz` (its
 * dependencies answer: Redis, ledger, policy) and `/metrics` (Prometheus).
 *
 * `/readyz` is public, so what a check reports is scrubbed of URL credentials before it is sent.
 *
 * @example
 * ```ts
 * app.register(operationRoutes, { readiness, metrics, readinessTimeoutMs: 3_000 });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import type { Readiness, ReadinessCheck } from '../core/types.ts';
import { ApiErrors } from '../errors/api.ts';
import type { Metrics } from '../metrics.ts';
import { readySchema } from './openapi.ts';

export interface OperationRoutesOptions {
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** How long /readyz waits for all checks before answering 503. */
  readonly readinessTimeoutMs: number;
}

/** `scheme://user:secret@host` → `scheme://***@host`, in case a driver message quotes its URL. */
export function scrubDetail(detail: string): string {
  const clean = detail.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1***@');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

type ReadinessResult = Awaited<ReturnType<Readiness['check']>>;

async function checkWithin(readiness: Readiness, timeoutMs: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          checks: {
            readiness: {
              ok: false,
              detail: `${ApiErrors.READINESS_TIMEOUT.code}: no answer within ${timeoutMs} ms`,
            },
          },
        }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      readiness
        .check()
        .catch(() => ({ ok: false, checks: { readiness: { ok: false, detail: 'readiness check failed' } } })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function operationRoutes(app: FastifyInstance, opts: OperationRoutesOptions): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process answers',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary:
          'Readiness: Redis, ledger and policy all answer (503 otherwise); connector health as details',
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_req, reply) => {
      const r = await checkWithin(opts.readiness, opts.readinessTimeoutMs);
      const checks: Record<string, ReadinessCheck> = {};
      for (const [name, c] of Object.entries(r.checks)) {
        checks[name] = c.detail === undefined ? { ok: c.ok } : { ok: c.ok, detail: scrubDetail(c.detail) };
      }
      // Ready only if the service says so AND every check passed: a check that failed while the
      // aggregate says ok would otherwise route traffic to a half-working daemon.
      const ready = r.ok && Object.values(checks).every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({
        ready,
        checks,
        ...(r.connectors === undefined ? {} : { connectors: r.connectors }),
        ...(r.policy === undefined ? {} : { policy: r.policy }),
        ...(r.kill_switch === undefined ? {} : { kill_switch: r.kill_switch }),
      });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_req, reply) => {
      const text = await opts.metrics.render();
      return reply.type(opts.metrics.contentType).send(text);
    },
  );
}
