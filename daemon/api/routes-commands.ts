/**
 * `POST /v1/commands`: the HTTP intake. The agent is the token's subject; the body is handed to
 * the intake service untouched, which validates it against the command contract, records it and
 * enqueues it.
 *
 * @example
 * ```ts
 * app.register(commandRoutes, { intake, rateLimitPerMinute: 120 });
 * // POST /v1/commands → 202 {"action_id":"chk-1","status":"QUEUED"} (new) | 200 (same action again)
 * ```
 */
import type { FastifyInstance } from 'fastify';
import type { IntakeService } from '../core/types.ts';
import type { Role } from './auth.ts';
import { bearer, commonErrors, submitBodySchema, submitResponseSchema } from './openapi.ts';
import type { SubmitView } from './views.ts';

export interface CommandRoutesOptions {
  readonly intake: IntakeService;
  /** Submissions per agent per minute. */
  readonly rateLimitPerMinute: number;
}

const AGENT_ONLY: readonly Role[] = ['agent'];

export async function commandRoutes(app: FastifyInstance, opts: CommandRoutesOptions): Promise<void> {
  app.post<{ Body: unknown; Reply: SubmitView }>(
    '/v1/commands',
    {
      config: {
        roles: AGENT_ONLY,
        rateLimit: { max: opts.rateLimitPerMinute, timeWindow: 60_000 /* ms: budgets are per minute */ },
      },
      schema: {
        tags: ['commands'],
        summary: 'Submit a command',
        description:
          'Validates the command against the contract (docs/command.schema.json), records it and queues it. ' +
          'The action_id is the idempotency key: submitting the same command again answers 200 with the existing ' +
          'status and never executes twice; the same action_id with a different payload is 409.',
        security: bearer,
        body: submitBodySchema,
        response: {
          200: { description: 'Already submitted: the existing action', ...submitResponseSchema },
          202: { description: 'Accepted and queued', ...submitResponseSchema },
          ...commonErrors,
          409: { $ref: 'Error#' },
          413: { $ref: 'Error#' },
          415: { $ref: 'Error#' },
          503: { $ref: 'Error#' },
        },
      },
    },
    async (req, reply) => {
      // The auth hook guarantees a principal on routes with roles.
      const agent = req.principal!;
      const { httpStatus, action } = await opts.intake.submit({ id: agent.subject }, req.body);
      reply.code(httpStatus).header('location', `/v1/actions/${encodeURIComponent(action.actionId)}`);
      return { action_id: action.actionId, status: action.status };
    },
  );
}
