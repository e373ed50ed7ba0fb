/**
 * Error codes of the experience sessions API (`/v1/sessions`, `/v1/admin/sessions`). Moves made
 * by commands report `ORC_ERR_CONNECTOR_*` codes instead (the action's error).
 *
 * @example
 * ```ts
 * throw new OrchestratorError(SessionErrors.NOT_FOUND, { sessionId: 's-1' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const SessionErrors = defineErrors('SESSION', {
  NOT_FOUND: {
    status: 404,
    message: 'session {sessionId} not found',
    doc: 'No session with this id is visible to the caller. Agents only see the sessions they own; staff see all.',
  },
  LEG_NOT_FOUND: {
    status: 404,
    message: 'session {sessionId} has no leg {legId}',
    doc: 'The session exists but has no leg with this id. `GET /v1/sessions/:id` lists its legs.',
  },
  ALREADY_EXISTS: {
    status: 409,
    message: 'session {sessionId} already exists',
    doc: 'A session with this id was created before; session ids are never reused. Choose another id, or read it with `GET /v1/sessions/:id`.',
  },
  DUPLICATE_LEG: {
    status: 400,
    message: 'leg {legId} appears twice',
    doc: 'The legs of a new session must have distinct `leg_id`s.',
  },
});
