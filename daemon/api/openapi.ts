/**
 * OpenAPI for the HTTP API: the JSON Schemas the routes declare (which Fastify also uses to
 * validate params and queries and to serialize answers) and the `/docs` UI.
 *
 * The command body schema is deliberately permissive: the command contract
 * (`daemon/contract/command.ts`, exported as `docs/command.schema.json`) is the single source of
 * truth and validates every submission with field-level reasons. Duplicating it here would let
 * the two drift.
 *
 * @example
 * ```ts
 * registerOpenApi(app); // before the routes, so their schemas are collected
 * // GET /docs (UI), GET /docs/json (OpenAPI document)
 * ```
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ACTION_STATUSES } from '../core/types.ts';

const nullableObject = { type: ['object', 'null'], additionalProperties: true } as const;

/** `{"error": {"code", "message", "details"?}}`: every error answer. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable code `ORC_ERR_<AREA>_<PROBLEM>` (docs/errors.md).' },
        message: { type: 'string' },
        details: {
          type: 'object',
          additionalProperties: true,
          description: 'For validation errors: `issues`, one per field, with path and reason.',
        },
      },
    },
  },
} as const;

const errorRef = { $ref: 'Error#' } as const;

/** Error answers every authenticated route can give. */
export const commonErrors = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  429: errorRef,
  500: errorRef,
} as const;

export const statusSchema = { type: 'string', enum: [...ACTION_STATUSES] } as const;

export const submitBodySchema = {
  type: 'object',
  additionalProperties: true,
  description:
    'A command as defined by the command contract: see `docs/command.schema.json` (action_id, command_type, params, severity, metadata). It is validated by the contract module, which answers 400 with `details.issues` naming each field.',
  examples: [
    {
      action_id: 'chk-2025-001',
      command_type: 'CHECK_INTEGRATION_STATUS',
      params: { service: 'shopify' },
      severity: 'LOW',
    },
  ],
} as const;

export const submitResponseSchema = {
  type: 'object',
  required: ['action_id', 'status'],
  properties: { action_id: { type: 'string' }, status: statusSchema },
} as const;

const errorObject = {
  type: ['object', 'null'],
  properties: { code: { type: 'string' }, message: { type: 'string' } },
} as const;

export const actionParamsSchema = {
  type: 'object',
  required: ['action_id'],
  properties: { action_id: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

export const actionSchema = {
  type: 'object',
  required: ['action_id', 'agent_id', 'command_type', 'status', 'decision', 'result', 'error', 'events'],
  properties: {
    action_id: { type: 'string' },
    agent_id: { type: 'string' },
    command_type: { type: 'string' },
    status: statusSchema,
    decision: {
      type: ['object', 'null'],
      description: 'The latest policy decision; null until the policy has decided.',
      properties: {
        action: { type: 'string', enum: ['allow', 'judge', 'block'] },
        risk: { type: 'string', enum: ['LOW', 'MEDIUM', 'HIGH'] },
        reasons: { type: 'array', items: { type: 'string' } },
        alert: {
          type: ['object', 'null'],
          properties: {
            severity: { type: 'string', enum: ['critical', 'high', 'warning', 'info'] },
            teams: { type: 'array', items: { type: 'string' } },
          },
        },
        revision: { type: 'string', description: 'sha256 of the policy sources and data that decided.' },
        explanation: {
          type: 'array',
          items: {
            type: 'object',
            properties: { rule: { type: 'string' }, file: { type: 'string' }, line: { type: 'integer' } },
          },
        },
        eval_micros: { type: 'number' },
      },
    },
    result: nullableObject,
    error: errorObject,
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          seq: { type: 'integer' },
          status: statusSchema,
          payload: { type: 'object', additionalProperties: true },
          at: { type: 'string', format: 'date-time' },
        },
      },
    },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const listQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: statusSchema,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    agent_id: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description: 'Staff only: actions of this agent. Agents always see their own.',
    },
  },
} as const;

export const listResponseSchema = {
  type: 'object',
  required: ['actions'],
  properties: {
    actions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          action_id: { type: 'string' },
          agent_id: { type: 'string' },
          command_type: { type: 'string' },
          status: statusSchema,
          error: errorObject,
          created_at: { type: 'string', format: 'date-time' },
          updated_at: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

export const readySchema = {
  type: 'object',
  required: ['ready', 'checks'],
  properties: {
    ready: { type: 'boolean' },
    checks: {
      type: 'object',
      description: 'One entry per dependency: redis, ledger, policy.',
      additionalProperties: {
        type: 'object',
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
    connectors: {
      type: 'object',
      description:
        'Per connector: breaker state (closed, half-open, open), the last error envelope and counters. Informational: does not change `ready`.',
      additionalProperties: { type: 'object', additionalProperties: true },
    },
    policy: {
      type: 'object',
      description: 'The policy in force: `revision` (sha256 of sources and data) and `engine`.',
      additionalProperties: true,
    },
    kill_switch: {
      type: 'object',
      description:
        "This replica's view of the kill switch: `version`, `master_halted`, `scoped_halts`, `stale` (it cannot read the switch, so it executes nothing). Informational: does not change `ready`.",
      additionalProperties: true,
    },
  },
} as const;

/** The bearer-token requirement, for `schema.security` on authenticated routes. */
export const bearer = [{ bearer: [] }];

/**
 * Registers the shared schemas, the OpenAPI generator and the UI at `/docs`.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * registerOpenApi(app);
 * ```
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.addSchema(errorSchema);
  // Not awaited: avvio loads plugins in registration order, so routes registered after this
  // call are still seen by the generator's onRoute hook.
  app.register(swagger, {
    // Name shared schemas after their $id (`Error`) instead of `def-0` in the document.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'MCP Orchestrator API',
        version: '1',
        description:
          'Agents submit commands; the orchestrator validates them, asks the Rego policy, executes what is allowed and records every step. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A token from ORCHESTRATOR_AUTH_TOKENS; its role (agent, oncall, security, admin) decides access.',
          },
        },
      },
      tags: [
        { name: 'commands', description: 'Submitting commands (agents)' },
        { name: 'actions', description: 'What happened to submitted commands' },
        { name: 'operations', description: 'Health, readiness and metrics (no auth)' },
        {
          name: 'sessions',
          description: 'Experience sessions: read (staff, owning agent), create and override (admin)',
        },
        {
          name: 'control',
          description: 'Pause the poller, halt and release the kill switch (oncall, admin)',
        },
      ],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}
