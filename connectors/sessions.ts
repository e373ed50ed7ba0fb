/**
 * UPDATE_SESSION_LEG: moves one leg of an experience session through its state machine
 * (`session-store.ts`), for the agent that owns the session. A move the machine does not allow
 * ends the action FAILED with `ORC_ERR_CONNECTOR_INVALID_TRANSITION`, naming both statuses; two
 * concurrent moves of one leg cannot both win (compare-and-set), the loser ends with
 * `ORC_ERR_CONNECTOR_CONFLICT`.
 */
import { ConnectorError, ConnectorNotConfiguredError, RetryableConnectorError } from '../bridges/errors.ts';
import type { Connector, ExecutionContext } from '../daemon/core/types.ts';
import {
  LEG_STATUSES,
  LEG_TRANSITIONS,
  type LegStatus,
  legMoveAllowed,
  type SessionStore,
} from './session-store.ts';

export const SESSION_COMMAND_TYPES = ['UPDATE_SESSION_LEG'] as const;

/**
 * Runs UPDATE_SESSION_LEG against a session store.
 *
 * @example
 * ```ts
 * const connector = new SessionsConnector({ store: ledger.sessions });
 * await connector.execute(
 *   { action_id: 'leg-1', command_type: 'UPDATE_SESSION_LEG', params: { session_id: 's-1', leg_id: 'l-1', status: 'ready' } },
 *   { agentId: 'agent-7', actionId: 'leg-1', signal },
 * );
 * // → { status: 'success', session_id: 's-1', leg_id: 'l-1', from: 'pending', to: 'ready', version: 2 }
 * ```
 */
export class SessionsConnector implements Connector {
  readonly name = 'sessions';
  readonly commandTypes: readonly string[] = SESSION_COMMAND_TYPES;
  readonly #store: SessionStore;

  constructor(options: { readonly store: SessionStore }) {
    this.#store = options.store;
  }

  async execute(
    command: { command_type: string; params: Record<string, unknown>; action_id: string },
    ctx: ExecutionContext,
  ): Promise<Record<string, unknown>> {
    if (command.command_type !== 'UPDATE_SESSION_LEG') {
      throw new ConnectorNotConfiguredError({
        connector: this.name,
        commandType: command.command_type,
        message: `the sessions connector does not run ${command.command_type}`,
      });
    }
    const { session_id: sessionId, leg_id: legId, status: to, reason } = command.params;
    if (typeof sessionId !== 'string' || sessionId === '')
      throw this.#invalid('params.session_id must be a non-empty string');
    if (typeof legId !== 'string' || legId === '')
      throw this.#invalid('params.leg_id must be a non-empty string');
    if (typeof to !== 'string' || !(LEG_STATUSES as readonly string[]).includes(to)) {
      throw this.#invalid(`params.status must be one of ${LEG_STATUSES.join(', ')}`);
    }
    if (reason !== undefined && typeof reason !== 'string')
      throw this.#invalid('params.reason must be a string');
    const target = to as LegStatus;
    const where = `leg ${JSON.stringify(legId)} of session ${JSON.stringify(sessionId)}`;

    const leg = await this.#store.getLeg(sessionId, legId).catch((err: unknown) => {
      throw this.#unavailable(err);
    });
    // Another agent's session reads as absent: its existence is not this agent's business.
    if (!leg || leg.ownerAgentId !== ctx.agentId) {
      throw new ConnectorError({
        connector: this.name,
        code: 'NOT_FOUND',
        message: `${where} does not exist for this agent`,
      });
    }
    if (!legMoveAllowed(leg.status, target)) throw this.#refused(where, leg.status, target);
    const moved = await this.#store
      .setLegStatus({
        sessionId,
        legId,
        from: leg.status,
        to: target,
        reason: reason ?? null,
        updatedBy: `agent/${ctx.agentId}/${ctx.actionId}`,
      })
      .catch((err: unknown) => {
        throw this.#unavailable(err);
      });
    if (!moved) {
      const now = await this.#store.getLeg(sessionId, legId).catch(() => undefined);
      throw new ConnectorError({
        connector: this.name,
        code: 'CONFLICT',
        message: `${where} changed while this command ran (it was ${leg.status}, it is now ${now?.status ?? 'gone'}); the move to ${target} was not applied`,
      });
    }
    return {
      status: 'success',
      session_id: sessionId,
      leg_id: legId,
      from: leg.status,
      to: moved.status,
      version: moved.version,
    };
  }

  #refused(where: string, from: LegStatus, to: LegStatus): ConnectorError {
    const next = LEG_TRANSITIONS[from];
    return new ConnectorError({
      connector: this.name,
      code: 'INVALID_TRANSITION',
      message: `${where} cannot move from ${from} to ${to}; from ${from} it may move to ${next.length > 0 ? next.join(' or ') : 'nothing (terminal; an admin override is needed)'}`,
    });
  }

  #invalid(message: string): ConnectorError {
    return new ConnectorError({ connector: this.name, code: 'INVALID_REQUEST', message });
  }

  #unavailable(err: unknown): RetryableConnectorError {
    return new RetryableConnectorError(
      { connector: this.name, code: 'NETWORK', message: 'the session store could not be reached' },
      { cause: err },
    );
  }
}
