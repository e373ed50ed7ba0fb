/**
 * Integrations: CHECK_INTEGRATION_STATUS and REFRESH_TOKEN for a `service` (google, mailchimp,
 * meta, shopify, chatwoot, …), run by the deployed Apps Script through its bridge.
 */
import type { AppsScriptRequest, BridgeHealth } from '../bridges/apps-script/bridge.ts';
import { ConnectorError, ConnectorNotConfiguredError } from '../bridges/errors.ts';
import type { Connector, ExecutionContext } from '../daemon/core/types.ts';

export const INTEGRATION_COMMAND_TYPES = ['CHECK_INTEGRATION_STATUS', 'REFRESH_TOKEN'] as const;

/** What the connector needs of a bridge (the AppsScriptBridge, or a fake in tests). */
export interface IntegrationsBridge {
  call(request: AppsScriptRequest, signal?: AbortSignal): Promise<Record<string, unknown>>;
  health(): BridgeHealth;
}

export interface IntegrationsConnectorOptions {
  readonly bridge: IntegrationsBridge;
  /**
   * Services commands may name; others end NOT_CONFIGURED without reaching the bridge.
   * @defaultValue undefined (every service is passed on; the script rejects unknown ones)
   */
  readonly services?: readonly string[];
}

/**
 * The idempotency key sent to the script: action_ids are chosen by agents and only unique per
 * agent, and the script deduplicates across all of them, so the agent is part of the key.
 * `encodeURIComponent` never yields `/`, so the first `/` separates the two parts.
 *
 * @example
 * ```ts
 * bridgeActionId('agent-7', 'rb-check-1'); // → 'agent-7/rb-check-1'
 * ```
 */
export function bridgeActionId(agentId: string, actionId: string): string {
  return `${encodeURIComponent(agentId)}/${actionId}`;
}

/**
 * Runs integration commands through the Apps Script bridge and returns the script's result,
 * e.g. `{status: 'success', integration_status: 'CONNECTED', last_checked: '…'}`.
 *
 * @example
 * ```ts
 * const connector = new IntegrationsConnector({ bridge: new AppsScriptBridge({ url, secret, timeoutMs: 10_000 }) });
 * const result = await connector.execute(
 *   { action_id: 'a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } },
 *   { agentId: 'agent-7', actionId: 'a-1', signal: AbortSignal.timeout(60_000) },
 * );
 * ```
 */
export class IntegrationsConnector implements Connector {
  readonly name = 'integrations';
  readonly commandTypes: readonly string[] = INTEGRATION_COMMAND_TYPES;
  readonly #bridge: IntegrationsBridge;
  readonly #services: ReadonlySet<string> | undefined;

  constructor(options: IntegrationsConnectorOptions) {
    this.#bridge = options.bridge;
    this.#services = options.services ? new Set(options.services) : undefined;
  }

  async execute(
    command: { command_type: string; params: Record<string, unknown>; action_id: string },
    ctx: ExecutionContext,
  ): Promise<Record<string, unknown>> {
    if (!this.commandTypes.includes(command.command_type)) {
      throw new ConnectorNotConfiguredError({
        connector: this.name,
        commandType: command.command_type,
        message: `the integrations connector does not run ${command.command_type}`,
      });
    }
    const service = command.params.service;
    if (typeof service !== 'string' || service.length === 0) {
      throw new ConnectorError({
        connector: this.name,
        code: 'INVALID_REQUEST',
        message: 'params.service must be a non-empty string',
      });
    }
    if (this.#services && !this.#services.has(service)) {
      throw new ConnectorNotConfiguredError({
        connector: this.name,
        commandType: command.command_type,
        message: `integration service "${service.slice(0, 64)}" is not enabled`,
      });
    }
    const result = await this.#bridge.call(
      {
        action_id: bridgeActionId(ctx.agentId, command.action_id),
        command_type: command.command_type,
        params: command.params,
      },
      ctx.signal,
    );
    this.#checkResult(command.command_type, result);
    return result;
  }

  /** The bridge's breaker state and last error, for readiness details. */
  health(): BridgeHealth {
    return this.#bridge.health();
  }

  /** A script edited by its owner could answer anything; SUCCESS must mean what the runbook says. */
  #checkResult(commandType: string, result: Record<string, unknown>): void {
    const ok =
      result.status === 'success' &&
      (commandType === 'CHECK_INTEGRATION_STATUS'
        ? typeof result.integration_status === 'string'
        : result.refreshed === true);
    if (!ok) {
      throw new ConnectorError({
        connector: this.name,
        code: 'BAD_RESPONSE',
        message: `the script's ${commandType} result does not have the expected shape`,
      });
    }
  }
}
