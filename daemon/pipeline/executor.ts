/**
 * Execution: the only place a connector is called. The pipeline has already recorded EXECUTING
 * (compare-and-set) before `runConnector` runs, so a redelivered job never calls twice.
 *
 * The kill switch's gate is asked once more here, in the same synchronous step as the call: a
 * halt that landed while EXECUTING was being written stops the call (EXECUTING → HELD, nothing
 * called). A call that passed is registered as in flight; if a halt covering it lands while it
 * runs, its SUCCESS or FAILED records `in_flight_at_halt` (the outcome reconciled).
 */
import { ConnectorError, type ConnectorNotConfiguredError } from '../../bridges/errors.ts';
import type { EventBus } from '../core/events.ts';
import type { ActionRecord, ActionStatus, Connector } from '../core/types.ts';
import { PipelineErrors } from '../errors/pipeline.ts';
import type { ExecutionGate, GateVerdict } from './gate.ts';
import type { Recorder } from './recorder.ts';

/** The HELD event's payload: which halt kept the action, so the audit says why. */
export function heldPayload(
  verdict: Exclude<GateVerdict, { open: true }>,
  connector: string,
): Record<string, unknown> {
  return {
    connector,
    halted_by: verdict.scope,
    switch_version: verdict.version,
    reason: verdict.reason,
  };
}

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
  gate: ExecutionGate,
): Promise<{ status: 'SUCCESS' | 'FAILED' | 'HELD'; agentId: string; actionId: string }> {
  const ids = { agentId: action.agentId, actionId: action.actionId };
  const { verdict, pass } = gate.enter({
    ...ids,
    commandType: action.commandType,
    connector: connector.name,
  });
  if (!verdict.open) {
    await rec.move(
      action,
      'HELD',
      { ...heldPayload(verdict, connector.name), not_called: true },
      { from: ['EXECUTING'] },
    );
    return { status: 'HELD', ...ids };
  }
  const t0 = performance.now();
  const controller = new AbortController();
  const progress = rec.progressFor(action);
  let inFlight: ReturnType<NonNullable<typeof pass>['end']>;
  const reconciled = (): Record<string, unknown> =>
    inFlight
      ? {
          in_flight_at_halt: {
            switch_version: inFlight.version,
            halted_by: inFlight.scope,
            landed_at: inFlight.landedAt,
          },
        }
      : {};
  let call: Promise<Record<string, unknown>>;
  try {
    // Started in the same synchronous step as the gate check above.
    call = connector.execute(
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
  } catch (err) {
    call = Promise.reject(err);
  }
  try {
    const result = await call.finally(() => {
      inFlight = pass?.end();
    });
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
      { connector: connector.name, ms: Math.round(ms), ...reconciled() },
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
      { connector: connector.name, error: envelope, ...(details ? { details } : {}), ...reconciled() },
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
