/**
 * `POST /v1/control/pause|resume|halt|release` and `GET /v1/control/status`: the kill switch
 * and the poller, for `oncall` and `admin` tokens. The acting person is the token's subject;
 * bodies are `{reason, scope?}`, validated with zod (a bad field is named in `details.issues`).
 *
 * @example
 * ```ts
 * app.register(controlRoutes, { control });
 * // POST /v1/control/halt {"reason":"policy bypass suspected"} → 200 {"operation":"halt","version":7,…}
 * ```
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ControlPlane, FlipRequest } from '../control/service.ts';
import { SCOPE_KINDS } from '../control/state.ts';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { Role } from './auth.ts';
import { bearer, commonErrors } from './openapi.ts';

export interface ControlRoutesOptions {
  readonly control: Pick<ControlPlane, 'pause' | 'resume' | 'halt' | 'release' | 'status'>;
}

/** Who may flip the switch or pause the poller. */
export const CONTROL_ROLES: readonly Role[] = ['oncall', 'admin'];

const SCOPE_VALUE = /^[A-Za-z0-9._-]{1,128}$/;

export const controlBodySchema = z
  .object({
    reason: z
      .string({ error: 'is required: say why (it is recorded in the audit)' })
      .trim()
      .min(1, 'must not be empty: say why (it is recorded in the audit)')
      .max(500, 'must be at most 500 characters'),
    scope: z
      .object({
        kind: z.enum(SCOPE_KINDS, { error: `must be one of ${SCOPE_KINDS.join(', ')}` }),
        value: z.string().regex(SCOPE_VALUE, 'must be 1–128 characters of A-Z a-z 0-9 . _ -'),
      })
      .strict()
      .optional(),
  })
  .strict();

function parseBody(body: unknown, allowScope: boolean): { reason: string; scope?: FlipRequest['scope'] } {
  const r = controlBodySchema.safeParse(body ?? {});
  const issues: { path: string; code: string; message: string }[] = r.success
    ? []
    : r.error.issues.map((i) => ({
        path: ['body', ...i.path.map(String)].join('.'),
        code: i.code,
        message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
      }));
  if (r.success && r.data.scope && !allowScope) {
    issues.push({
      path: 'body.scope',
      code: 'unsupported',
      message: 'pause and resume apply to every queue; no scope',
    });
  }
  if (issues.length > 0 || !r.success) {
    const first = issues[0]!;
    throw new OrchestratorError(ApiErrors.INVALID_REQUEST, {
      summary: `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
      details: { issues },
    });
  }
  return r.data;
}

const bodyDoc = {
  type: 'object',
  description:
    '`{reason, scope?}`; scope `{kind: connector|command_type|agent, value}` (halt and release only).',
  additionalProperties: true,
} as const;

const flipResponse = { type: 'object', additionalProperties: true } as const;

export async function controlRoutes(app: FastifyInstance, opts: ControlRoutesOptions): Promise<void> {
  const { control } = opts;
  const errors = {
    ...commonErrors,
    404: { $ref: 'Error#' },
    409: { $ref: 'Error#' },
    503: { $ref: 'Error#' },
    504: { $ref: 'Error#' },
  };
  const route = (op: 'pause' | 'resume' | 'halt' | 'release', summary: string): void => {
    app.post(
      `/v1/control/${op}`,
      {
        config: { roles: CONTROL_ROLES },
        schema: {
          tags: ['control'],
          summary,
          security: bearer,
          body: bodyDoc,
          response: { 200: flipResponse, 202: flipResponse, ...errors },
        },
      },
      async (req, reply) => {
        const body = parseBody(req.body, op === 'halt' || op === 'release');
        const r = await control[op]({ by: req.principal!.subject, reason: body.reason, scope: body.scope });
        // A first release under the two-person rule changed nothing yet: accepted, not done.
        return reply.code(r.pending ? 202 : 200).send(r);
      },
    );
  };
  route('pause', 'Pause the poller on every queue (every replica stops taking commands)');
  route('resume', 'Resume the poller; waiting commands are evaluated by the policy in force now');
  route('halt', 'Halt the master switch or a scope; returns once every live replica acknowledged');
  route('release', 'Release the master switch or a scope; HELD actions are requeued and re-evaluated');

  app.get(
    '/v1/control/status',
    {
      config: { roles: CONTROL_ROLES },
      schema: {
        tags: ['control'],
        summary: 'The kill switch, the poller, the replicas and the held actions',
        security: bearer,
        response: { 200: flipResponse, ...errors },
      },
    },
    async () => control.status(),
  );
}
