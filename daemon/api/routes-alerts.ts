/**
 * `POST /v1/alerts/retry-failed`: after a sink outage longer than the delivery backoff covers,
 * on-call staff put the deliveries that gave up back in line (oncall, admin).
 *
 * @example
 * ```ts
 * app.register(alertRoutes, { alerts });
 * // POST /v1/alerts/retry-failed → 200 {"retried": 12}
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { bearer, commonErrors } from './openapi.ts';
import { CONTROL_ROLES } from './routes-control.ts';

export interface AlertRoutesOptions {
  readonly alerts: { retryFailed(limit?: number): Promise<number> };
}

export async function alertRoutes(app: FastifyInstance, opts: AlertRoutesOptions): Promise<void> {
  app.post(
    '/v1/alerts/retry-failed',
    {
      config: { roles: CONTROL_ROLES },
      schema: {
        tags: ['control'],
        summary: 'Send again the alert deliveries that used up their attempts',
        security: bearer,
        response: {
          200: { type: 'object', required: ['retried'], properties: { retried: { type: 'integer' } } },
          ...commonErrors,
        },
      },
    },
    async () => ({ retried: await opts.alerts.retryFailed() }),
  );
}
