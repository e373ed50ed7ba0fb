/**
 * `GET /v1/actions/:action_id` and `GET /v1/actions`: what happened to submitted commands.
 *
 * Agents see only their own actions — looked up by (token subject, action_id), so another
 * agent's action is indistinguishable from a missing one (404, not 403: no existence oracle).
 * Staff roles (oncall, security, admin) see every agent's.
 *
 * @example
 * ```ts
 * app.register(actionRoutes, { ledger, readRateLimitPerMinute: 1200 });
 * // GET /v1/actions/chk-1 → {action_id, agent_id, command_type, status, decision, result, error, events, …}
 * ```
 */
import type { FastifyInstance } from 'fastify';
import type { ActionStatus, Ledger } from '../core/types.ts';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { type Role, STAFF_ROLES } from './auth.ts';
import {
  actionParamsSchema,
  actionSchema,
  bearer,
  commonErrors,
  listQuerySchema,
  listResponseSchema,
} from './openapi.ts';
import { type ActionListView, type ActionView, actionView, summaryView } from './views.ts';

export interface ActionRoutesOptions {
  readonly ledger: Ledger;
  /** Reads per caller per minute (agents poll while they wait). */
  readonly readRateLimitPerMinute: number;
}

const READERS: readonly Role[] = ['agent', ...STAFF_ROLES];

export async function actionRoutes(app: FastifyInstance, opts: ActionRoutesOptions): Promise<void> {
  const { ledger } = opts;
  const rateLimit = { max: opts.readRateLimitPerMinute, timeWindow: 60_000 /* ms: budgets are per minute */ };

  app.get<{ Params: { action_id: string }; Reply: ActionView }>(
    '/v1/actions/:action_id',
    {
      config: { roles: READERS, rateLimit },
      schema: {
        tags: ['actions'],
        summary: 'One action: status, latest decision, result or error, events',
        security: bearer,
        params: actionParamsSchema,
        response: { 200: actionSchema, ...commonErrors, 404: { $ref: 'Error#' } },
      },
    },
    async (req) => {
      const who = req.principal!;
      const id = req.params.action_id;
      const record =
        who.role === 'agent' ? await ledger.getAction(who.subject, id) : await ledger.findAction(id);
      if (!record) throw new OrchestratorError(ApiErrors.NOT_FOUND, { actionId: id });
      const [decisions, events] = await Promise.all([
        ledger.decisions(record.agentId, record.actionId),
        ledger.events(record.agentId, record.actionId),
      ]);
      return actionView(record, decisions, events);
    },
  );

  app.get<{
    Querystring: { status?: ActionStatus; limit: number; agent_id?: string };
    Reply: ActionListView;
  }>(
    '/v1/actions',
    {
      config: { roles: READERS, rateLimit },
      schema: {
        tags: ['actions'],
        summary: 'Recent actions, newest first, optionally by status (agents: their own)',
        security: bearer,
        querystring: listQuerySchema,
        response: { 200: listResponseSchema, ...commonErrors },
      },
    },
    async (req) => {
      const who = req.principal!;
      const { status, limit, agent_id } = req.query;
      let agentId = agent_id;
      if (who.role === 'agent') {
        if (agent_id !== undefined && agent_id !== who.subject) {
          throw new OrchestratorError(ApiErrors.FORBIDDEN, {
            role: who.role,
            operation: "list another agent's actions",
          });
        }
        agentId = who.subject;
      }
      const records = await ledger.listActions({
        limit,
        ...(status !== undefined ? { status } : {}),
        ...(agentId !== undefined ? { agentId } : {}),
      });
      return { actions: records.map(summaryView) };
    },
  );
}
