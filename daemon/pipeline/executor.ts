/**
 * Execution: the only place a connector is called. The pipeline has already recorded EXECUTING
 * (compare-and-set) before `runConnector` runs, so a redelivered job never calls twice.
 */
import { ConnectorError, type ConnectorNotConfiguredError } from '../../bridges/errors.ts';
import type { EventBus } from '../core/events.ts';
import type { ActionRecord, ActionStatus, Connector } from '../core/types.ts';
import { PipelineErrors } from '../errors/pipeline.ts';
import type { Recorder } from './recorder.ts';

/**
 * Calls the connector for an action that is EXECUTING (recorded just before), then records
 * SUCCESS with the result or FAILED with the connector's error envelope.
 */
export async function runConnector(
  rec: Recorder,
  bus: EventBus,
  action: ActionRecord,
  command: Record<string, unknown> & { action_id: string; command_type: string },
  connector: Connector,
): Promise<{ status: 'SUCCESS' | 'FAILED'; agentId: string; actionId: string }> {
  const ids = { agentId: action.agentId, actionId: action.actionId };
  const t0 = performance.now();
  const controller = new AbortController();
  const progress = rec.progressFor(action);
  try {
    const result = await connector.execute(
      {
        command_type: action.commandType,
        params: (command.params ?? {}) as Record<string, unknown>,
        action_id: action.actionId,
      },
      {
        agentId: action.agentId,
        actionId: action.actionId,
        signal: controller.signal,
        ...(progress ? { progress } : {}),
      },
    );
    const ms = performance.now() - t0;
    bus.emit('executed', {
      ...ids,
      commandType: action.commandType,
      connector: connector.name,
      ms,
      ok: true,
    });
    bus.emit('stage', { stage: 'execute', ms, commandType: action.commandType });
    await rec.move(
      action,
      'SUCCESS',
      { connector: connector.name, ms: Math.round(ms) },
      { from: ['EXECUTING'], result },
    );
    return { status: 'SUCCESS', ...ids };
  } catch (err) {
    const ms = performance.now() - t0;
    const envelope =
      err instanceof ConnectorError
        ? {
            code: `ORC_ERR_CONNECTOR_${err.code}`,
            message: err.message,
            retryable: err.retryable,
            status: err.status ?? null,
          }
        : {
            code: PipelineErrors.CONNECTOR_CRASHED.code,
            message: 'connector failed unexpectedly',
            retryable: false,
            status: null,
          };
    bus.emit('executed', {
      ...ids,
      commandType: action.commandType,
      connector: connector.name,
      ms,
      ok: false,
      errorCode: envelope.code,
    });
    // A connector may attach non-secret facts about the failure (e.g. a failed checkout leg and
    // its refund): they become the action's result, for whoever picks the failure up.
    const details = err instanceof ConnectorError ? err.details : undefined;
    const moved = await rec.move(
      action,
      'FAILED',
      { connector: connector.name, error: envelope, ...(details ? { details } : {}) },
      {
        from: ['EXECUTING'],
        error: { code: envelope.code, message: envelope.message },
        ...(details ? { result: { ...details } } : {}),
      },
    );
    // Connectors cannot reach alerts; they ask, and the alert follows the recorded fact.
    if (moved && err instanceof ConnectorError && err.alert) {
      rec.alert(
        err.alert.kind,
        err.alert.severity,
        err.alert.summary,
        {
          agent: action.agentId,
          action_id: action.actionId,
          command_type: action.commandType,
          connector: connector.name,
          code: envelope.code,
          ...(details ? { details } : {}),
        },
        err.alert.teams ?? ['operations'],
      );
    }
    return { status: 'FAILED', ...ids };
  }
}

/**
 * No connector is configured: ALLOWED → FAILED is not an edge of the state machine, so the
 * action goes through EXECUTING (marked skipped) without calling anything.
 */
export async function failWithoutCall(
  rec: Recorder,
  action: ActionRecord,
  from: ActionStatus,
  e: ConnectorNotConfiguredError,
): Promise<void> {
  const error = { code: `ORC_ERR_CONNECTOR_${e.code}`, message: e.message };
  if (await rec.move(action, 'EXECUTING', { connector: null, skipped: true }, { from: [from] })) {
    await rec.move(action, 'FAILED', { error }, { from: ['EXECUTING'], error });
  }
}
