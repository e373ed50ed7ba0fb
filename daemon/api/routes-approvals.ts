/**
 * `GET /v1/approvals` and `POST /v1/approvals/:action_id`: people decide the commands the
 * policy and the jury left to them (NEEDS_APPROVAL).
 *
 * An approval is a single-use grant bound to the digest of the stored command, the policy
 * revision in force and an expiry; the approver (token subject) may never be the submitting
 * agent. Approving only stores the grant and requeues the action: the pipeline consumes the
 * grant, decides again with the current policy (a block wins) and executes through its one
 * exactly-once path. Rejecting ends the action REJECTED here.
 *
 * @example
 * ```ts
 * app.register(approvalRoutes, { ledger, policyRevision: () => policy.revision, requeue, grantTtlMs: 3_600_000 });
 * // POST /v1/approvals/refresh-1 {"decision":"approve","reason":"token expired, owner asked"} → 202
 * ```
 */
import { agreementReport } from '../../judges/report.ts';
import type { FastifyInstance } from 'fastify';
import { payloadHash } from '../contract/canonical.ts';
import type { EventBus } from '../core/events.ts';
import type { Ledger } from '../core/types.ts';
import { ApprovalErrors } from '../errors/approvals.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { STAFF_ROLES } from './auth.ts';
import { actionParamsSchema, bearer, commonErrors } from './openapi.ts';
import { decisionView } from './views.ts';

export interface ApprovalRoutesOptions {
  readonly ledger: Ledger;
  /** Revision of the policy in force, recorded with each grant. */
  readonly policyRevision: () => string | undefined;
  /** Puts the action back on its queue (a new job id) so the pipeline consumes the grant. */
  readonly requeue: (agentId: string, actionId: string) => Promise<void>;
  /** @defaultValue 3_600_000 (one hour) */
  readonly grantTtlMs?: number;
  /** Announces a rejection's transition, like the pipeline's own (metrics, alerts, logs listen). */
  readonly bus?: EventBus;
}

export const APPROVAL_DEFAULTS = { grantTtlMs: 3_600_000, listLimit: 100 } as const;

const bodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['decision', 'reason'],
  properties: {
    decision: { type: 'string', enum: ['approve', 'reject'] },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
  },
} as const;

const looseObject = { type: 'object', additionalProperties: true } as const;
const nullable = { type: ['object', 'null'], additionalProperties: true } as const;

const listSchema = {
  type: 'object',
  required: ['approvals'],
  properties: {
    approvals: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          action_id: { type: 'string' },
          agent_id: { type: 'string' },
          command_type: { type: 'string' },
          command: looseObject,
          decision: nullable,
          jury: nullable,
          reason: { type: ['string', 'null'] },
          waiting_since: { type: 'string' },
        },
      },
    },
  },
} as const;

const decidedSchema = {
  type: 'object',
  properties: {
    action_id: { type: 'string' },
    agent_id: { type: 'string' },
    decision: { type: 'string' },
    status: { type: 'string' },
    expires_at: { type: ['string', 'null'] },
  },
} as const;

export async function approvalRoutes(app: FastifyInstance, opts: ApprovalRoutesOptions): Promise<void> {
  const { ledger } = opts;
  const ttl = opts.grantTtlMs ?? APPROVAL_DEFAULTS.grantTtlMs;

  app.get(
    '/v1/approvals',
    {
      config: { roles: STAFF_ROLES },
      schema: {
        tags: ['approvals'],
        summary: 'Actions waiting for a person, with the policy decision and the jury record',
        security: bearer,
        response: { 200: listSchema, ...commonErrors },
      },
    },
    async () => {
      const waiting = await ledger.listActions({
        status: 'NEEDS_APPROVAL',
        limit: APPROVAL_DEFAULTS.listLimit,
      });
      const approvals = await Promise.all(
        waiting.map(async (a) => {
          const [decisions, events] = await Promise.all([
            ledger.decisions(a.agentId, a.actionId),
            ledger.events(a.agentId, a.actionId),
          ]);
          const last = [...events].sort((x, y) => x.seq - y.seq).at(-1);
          const d = decisions.at(-1);
          return {
            action_id: a.actionId,
            agent_id: a.agentId,
            command_type: a.commandType,
            command: a.command,
            decision: d ? decisionView(d) : null,
            jury: (last?.payload.jury as Record<string, unknown> | undefined) ?? null,
            reason: typeof last?.payload.reason === 'string' ? last.payload.reason : null,
            waiting_since: a.updatedAt,
          };
        }),
      );
      return { approvals };
    },
  );

  app.get<{ Querystring: { days?: number } }>(
    '/v1/jury/report',
    {
      config: { roles: STAFF_ROLES },
      schema: {
        tags: ['approvals'],
        summary:
          "How well the jury agrees with people's decisions (agreement, Cohen's kappa, overrides, dissent)",
        security: bearer,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 365, default: 7 } },
        },
      },
    },
    async (req) => {
      const days = req.query.days ?? 7;
      const since = new Date(Date.now() - days * 86_400_000).toISOString();
      return { since, ...agreementReport(await ledger.juryReviews(since)) };
    },
  );

  app.post<{ Params: { action_id: string }; Body: { decision: 'approve' | 'reject'; reason: string } }>(
    '/v1/approvals/:action_id',
    {
      config: { roles: STAFF_ROLES },
      schema: {
        tags: ['approvals'],
        summary: 'Approve (single-use grant, executed after a fresh policy check) or reject an action',
        security: bearer,
        params: actionParamsSchema,
        body: bodySchema,
        response: {
          200: decidedSchema,
          202: decidedSchema,
          ...commonErrors,
          404: { $ref: 'Error#' },
          409: { $ref: 'Error#' },
          503: { $ref: 'Error#' },
        },
      },
    },
    async (req, reply) => {
      const who = req.principal!;
      const actionId = req.params.action_id;
      const action = await ledger.findAction(actionId);
      if (action?.status !== 'NEEDS_APPROVAL') {
        throw new OrchestratorError(ApprovalErrors.NOT_PENDING, { actionId });
      }
      if (who.subject === action.agentId)
        throw new OrchestratorError(ApprovalErrors.SELF_APPROVAL, { actionId });
      const revision = opts.policyRevision();
      if (!revision) throw new OrchestratorError(ApprovalErrors.POLICY_UNAVAILABLE, {});
      const { decision, reason } = req.body;
      const expiresAt = new Date(Date.now() + ttl).toISOString();
      const granted = await ledger.grantApproval({
        agentId: action.agentId,
        actionId: action.actionId,
        approver: who.subject,
        decision,
        reason,
        // The digest of what the person saw: the pipeline runs only this exact command.
        paramsDigest: payloadHash(action.command),
        policyRevision: revision,
        expiresAt,
      });
      if (!granted) throw new OrchestratorError(ApprovalErrors.ALREADY_DECIDED, { actionId });
      const ids = { action_id: action.actionId, agent_id: action.agentId, decision };
      if (decision === 'reject') {
        const moved = await ledger.transition(
          action.agentId,
          action.actionId,
          'REJECTED',
          { approver: who.subject, reason },
          { from: ['NEEDS_APPROVAL'], result: { rationale: `Rejected by ${who.subject}: ${reason}` } },
        );
        if (!moved) throw new OrchestratorError(ApprovalErrors.NOT_PENDING, { actionId });
        opts.bus?.emit('transition', {
          agentId: action.agentId,
          actionId: action.actionId,
          commandType: action.commandType,
          from: 'NEEDS_APPROVAL',
          to: 'REJECTED',
          payload: { approver: who.subject, reason },
        });
        return reply.code(200).send({ ...ids, status: 'REJECTED', expires_at: null });
      }
      await opts.requeue(action.agentId, action.actionId);
      return reply.code(202).send({ ...ids, status: 'NEEDS_APPROVAL', expires_at: expiresAt });
    },
  );
}
