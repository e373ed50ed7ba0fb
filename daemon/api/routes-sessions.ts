/**
 * Experience sessions over HTTP:
 *
 * - `POST /v1/admin/sessions` (admin): creates a session for an agent, with its legs (all pending).
 * - `GET /v1/sessions/:session_id` (oncall, security, admin; and the agent that owns it): the
 *   session with its legs and the admin overrides. Another agent's session answers 404, like a
 *   missing one (no existence oracle).
 * - `POST /v1/admin/sessions/:session_id/legs/:leg_id/override` (admin): sets any status, with a
 *   required reason; the admin's subject, old status, new status and reason are recorded in the
 *   same transaction.
 *
 * Agents move legs with `UPDATE_SESSION_LEG` commands (policy, ledger, state machine), never here.
 *
 * @example
 * ```ts
 * app.register(sessionRoutes, { sessions: ledger.sessions });
 * ```
 */
import type { FastifyInstance } from 'fastify';
import {
  LEG_STATUSES,
  type LegOverride,
  type LegStatus,
  type SessionLeg,
  type SessionRecord,
  type SessionStore,
} from '../../connectors/session-store.ts';
import { ID_PATTERN } from '../contract/fields.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { SessionErrors } from '../errors/sessions.ts';
import { type Role, STAFF_ROLES } from './auth.ts';
import { bearer, commonErrors } from './openapi.ts';

export interface SessionRoutesOptions {
  readonly sessions: SessionStore;
}

export const SESSION_LIMITS = { maxLegs: 50 } as const; // legs per session

const READERS: readonly Role[] = ['agent', ...STAFF_ROLES];
const id = { type: 'string', pattern: ID_PATTERN.source, minLength: 1, maxLength: 128 } as const;
const status = { type: 'string', enum: [...LEG_STATUSES] } as const;
const nullableString = { type: ['string', 'null'] } as const;

const legSchema = {
  type: 'object',
  properties: {
    leg_id: { type: 'string' },
    kind: { type: 'string' },
    status,
    version: { type: 'integer' },
    last_reason: nullableString,
    updated_by: nullableString,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
} as const;

const overrideSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    leg_id: { type: 'string' },
    admin: { type: 'string' },
    old_status: status,
    new_status: status,
    reason: { type: 'string' },
    at: { type: 'string' },
  },
} as const;

const sessionSchema = {
  type: 'object',
  required: ['session_id', 'owner_agent_id', 'legs', 'overrides'],
  properties: {
    session_id: { type: 'string' },
    owner_agent_id: { type: 'string' },
    created_by: { type: 'string' },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    legs: { type: 'array', items: legSchema },
    overrides: { type: 'array', items: overrideSchema },
  },
} as const;

const errors = { ...commonErrors, 404: { $ref: 'Error#' }, 409: { $ref: 'Error#' } } as const;

function legView(l: SessionLeg) {
  return {
    leg_id: l.legId,
    kind: l.kind,
    status: l.status,
    version: l.version,
    last_reason: l.lastReason,
    updated_by: l.updatedBy,
    created_at: l.createdAt,
    updated_at: l.updatedAt,
  };
}

function overrideView(o: LegOverride) {
  return {
    id: o.id,
    leg_id: o.legId,
    admin: o.admin,
    old_status: o.oldStatus,
    new_status: o.newStatus,
    reason: o.reason,
    at: o.at,
  };
}

function sessionView(s: SessionRecord, overrides: readonly LegOverride[]) {
  return {
    session_id: s.sessionId,
    owner_agent_id: s.ownerAgentId,
    created_by: s.createdBy,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    legs: s.legs.map(legView),
    overrides: overrides.map(overrideView),
  };
}

export async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions): Promise<void> {
  const { sessions } = opts;

  app.post<{
    Body: { session_id: string; owner_agent_id: string; legs: { leg_id: string; kind?: string }[] };
  }>(
    '/v1/admin/sessions',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['sessions'],
        summary: 'Create an experience session for an agent, with its legs (all pending)',
        security: bearer,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['session_id', 'owner_agent_id', 'legs'],
          properties: {
            session_id: id,
            owner_agent_id: { type: 'string', minLength: 1, maxLength: 128 },
            legs: {
              type: 'array',
              minItems: 1,
              maxItems: SESSION_LIMITS.maxLegs,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['leg_id'],
                properties: { leg_id: id, kind: { type: 'string', minLength: 1, maxLength: 64 } },
              },
            },
          },
        },
        response: { 201: sessionSchema, ...errors },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const seen = new Set<string>();
      for (const l of body.legs) {
        if (seen.has(l.leg_id)) throw new OrchestratorError(SessionErrors.DUPLICATE_LEG, { legId: l.leg_id });
        seen.add(l.leg_id);
      }
      const { created, session } = await sessions.createSession({
        sessionId: body.session_id,
        ownerAgentId: body.owner_agent_id,
        createdBy: req.principal!.subject,
        legs: body.legs.map((l) =>
          l.kind === undefined ? { legId: l.leg_id } : { legId: l.leg_id, kind: l.kind },
        ),
      });
      if (!created) throw new OrchestratorError(SessionErrors.ALREADY_EXISTS, { sessionId: body.session_id });
      return reply.code(201).send(sessionView(session, []));
    },
  );

  app.get<{ Params: { session_id: string } }>(
    '/v1/sessions/:session_id',
    {
      config: { roles: READERS },
      schema: {
        tags: ['sessions'],
        summary: 'A session with its legs and admin overrides (agents: only sessions they own)',
        security: bearer,
        params: { type: 'object', required: ['session_id'], properties: { session_id: id } },
        response: { 200: sessionSchema, ...errors },
      },
    },
    async (req) => {
      const who = req.principal!;
      const sessionId = req.params.session_id;
      const session = await sessions.getSession(sessionId);
      if (!session || (who.role === 'agent' && session.ownerAgentId !== who.subject)) {
        throw new OrchestratorError(SessionErrors.NOT_FOUND, { sessionId });
      }
      return sessionView(session, await sessions.overrides(sessionId));
    },
  );

  app.post<{ Params: { session_id: string; leg_id: string }; Body: { status: LegStatus; reason: string } }>(
    '/v1/admin/sessions/:session_id/legs/:leg_id/override',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['sessions'],
        summary: 'Set any status on a leg (admin); the override is recorded with its reason',
        security: bearer,
        params: {
          type: 'object',
          required: ['session_id', 'leg_id'],
          properties: { session_id: id, leg_id: id },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status', 'reason'],
          properties: { status, reason: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } },
        },
        response: {
          200: { type: 'object', properties: { leg: legSchema, override: overrideSchema } },
          ...errors,
        },
      },
    },
    async (req) => {
      const { session_id: sessionId, leg_id: legId } = req.params;
      const done = await sessions.overrideLeg({
        sessionId,
        legId,
        to: req.body.status,
        reason: req.body.reason,
        admin: req.principal!.subject,
      });
      if (!done) {
        const exists = await sessions.getSession(sessionId);
        throw exists
          ? new OrchestratorError(SessionErrors.LEG_NOT_FOUND, { sessionId, legId })
          : new OrchestratorError(SessionErrors.NOT_FOUND, { sessionId });
      }
      return { leg: legView(done.leg), override: overrideView(done.override) };
    },
  );
}
