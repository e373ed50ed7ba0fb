/**
 * Typed events. The pipeline announces every step here; the ledger-independent subscribers
 * (metrics, alerts, logs) listen instead of being called from inside the pipeline.
 *
 * @example
 * ```ts
 * const bus = new EventBus();
 * bus.on('decided', (e) => metrics.decisions.inc({ action: e.decision.action }));
 * bus.emit('decided', { agentId, actionId, commandType, decision });
 * ```
 */
import { EventEmitter } from 'node:events';
// A type-only import: the shapes are the bridges' own (bridges import nothing of ours, so no cycle).
import type { ResilienceEvent } from '../../bridges/resilience/events.ts';
import type { ActionStatus, Alert, PolicyDecision } from './types.ts';

export interface OrchestratorEvents {
  /** An action changed status (after the ledger recorded it). */
  transition: {
    agentId: string;
    actionId: string;
    commandType: string;
    from: ActionStatus | undefined;
    to: ActionStatus;
    payload: Record<string, unknown>;
  };
  /** The policy decided. */
  decided: { agentId: string; actionId: string; commandType: string; decision: PolicyDecision };
  /** A connector call finished. */
  executed: {
    agentId: string;
    actionId: string;
    commandType: string;
    connector: string;
    ms: number;
    ok: boolean;
    errorCode?: string;
  };
  /** Time spent in one pipeline stage. */
  stage: { stage: 'validate' | 'policy' | 'ledger' | 'execute' | 'total'; ms: number; commandType: string };
  /** The jury voted on a judge-bound command. */
  judged: {
    agentId: string;
    actionId: string;
    commandType: string;
    outcome: 'approve' | 'needs_approval';
    wallMs: number;
    votes: readonly {
      juror: string;
      status: string;
      verdict: 'approve' | 'reject' | null;
      latencyMs: number;
      tokens: { prompt: number; completion: number };
      costUsd: number;
    }[];
  };
  /** A connector's resilience layer: an attempt, a call, a breaker change or a rate-limit wait. */
  'connector.resilience': ResilienceEvent;
  'policy.loaded': { engine: string; revision: string };
  'policy.reload_failed': { engine: string; error: string; keptRevision: string | undefined };
  /** Something a person must hear about. */
  alert: {
    kind: string;
    summary: string;
    alert: Alert;
    details: Record<string, unknown>;
    actionId?: string;
    /** Groups repeats of the same incident; derived from kind, agent, service and action id when absent. */
    dedupKey?: string;
  };
}

export type EventName = keyof OrchestratorEvents;

/** A typed wrapper over EventEmitter; a failing subscriber never breaks the pipeline. */
export class EventBus {
  private readonly ee = new EventEmitter({ captureRejections: false });
  private readonly onError: (name: string, err: unknown) => void;

  constructor(onError: (name: string, err: unknown) => void = () => {}) {
    this.ee.setMaxListeners(100);
    this.onError = onError;
  }

  on<K extends EventName>(name: K, fn: (e: OrchestratorEvents[K]) => void): () => void {
    const wrapped = (e: OrchestratorEvents[K]): void => {
      try {
        fn(e);
      } catch (err) {
        this.onError(name, err);
      }
    };
    this.ee.on(name, wrapped);
    return () => this.ee.off(name, wrapped);
  }

  emit<K extends EventName>(name: K, e: OrchestratorEvents[K]): void {
    this.ee.emit(name, e);
  }
}
