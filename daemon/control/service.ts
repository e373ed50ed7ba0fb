/**
 * The control plane: pause and resume the poller, halt and release the kill switch (master or
 * scoped), and report their state. The HTTP routes, the CLI (through them) and the anomaly
 * detector all go through this one class.
 *
 * Every flip is recorded in the ledger (`kill_switch_flips`) and raises a `kill_switch` alert on
 * the bus. A halt returns only once every live replica acknowledged the new version; a release
 * also waits, then requeues the HELD actions it frees (each re-evaluated by the current policy).
 */
import type { Queue } from 'bullmq';
import type { EventBus } from '../core/events.ts';
import type { ActionRecord, Ledger, NewSwitchFlip, SwitchOperation } from '../core/types.ts';
import { ControlErrors } from '../errors/control.ts';
import { OrchestratorError } from '../errors/registry.ts';
import type { SwitchReplica } from './replica.ts';
import { EMPTY_STATE, type Scope, type SwitchState, scopeLabel } from './state.ts';
import type { ReplicaInfo, SwitchStore } from './store.ts';

export interface ControlOptions {
  readonly store: SwitchStore;
  readonly replica: SwitchReplica;
  readonly ledger: Ledger;
  readonly bus: EventBus;
  /** Every configured queue: a pause pauses them all, for every replica. */
  readonly queues: ReadonlyMap<string, Queue>;
  /** The connector that runs a command type (to match HELD actions against connector scopes). */
  readonly connectorOf: (commandType: string) => string | undefined;
  /** Puts a released HELD action back on its queue under a new job id. */
  readonly requeue: (action: ActionRecord, version: number) => Promise<void>;
  readonly ackTimeoutMs: number;
  readonly twoPerson: boolean;
  readonly releaseRequestTtlMs: number;
}

/** Who asks for a flip, and why. */
export interface FlipRequest {
  readonly by: string;
  readonly reason: string;
  readonly scope?: Scope | undefined;
}

export interface FlipResult {
  readonly operation: SwitchOperation;
  readonly target: string;
  readonly version: number;
  /** Milliseconds from the request until every live replica acknowledged (halt, release). */
  readonly ms: number;
  readonly acknowledged_by: readonly string[];
  /** A first release under the two-person rule: waiting for a second person. */
  readonly pending?: { readonly requested_by: string; readonly expires_in_ms: number };
  /** HELD actions a release put back on their queues. */
  readonly requeued?: number;
}

export interface ControlStatus {
  readonly version: number;
  readonly master: SwitchState['master'];
  readonly scopes: SwitchState['scopes'];
  readonly paused: boolean;
  readonly queues: readonly { readonly name: string; readonly paused: boolean }[];
  readonly pending_release: { readonly by: string; readonly at: string; readonly reason: string } | null;
  readonly replicas: readonly ReplicaInfo[];
  readonly held_actions: number;
  readonly two_person_rule: boolean;
}

const HELD_SCAN_LIMIT = 10_000;

/**
 * @example
 * ```ts
 * const control = new ControlPlane({ store, replica, ledger, bus, queues, connectorOf, requeue,
 *   ackTimeoutMs: 2500, twoPerson: false, releaseRequestTtlMs: 900_000 });
 * await control.halt({ by: 'alice', reason: 'policy bypass suspected' });
 * ```
 */
export class ControlPlane {
  readonly #o: ControlOptions;

  constructor(opts: ControlOptions) {
    this.#o = opts;
  }

  /**
   * At start-up: if Redis holds no switch state but the ledger's last flip left something halted,
   * restore that state (fail closed) with a version above the last recorded one.
   */
  async restoreIfMissing(): Promise<SwitchState | undefined> {
    if ((await this.#o.store.read()) !== undefined) return undefined;
    const [last] = (await this.#o.ledger.switchFlips({ limit: 20 })).filter(
      (f) => f.operation !== 'pause' && f.operation !== 'resume' && f.operation !== 'release_requested',
    );
    const base = last ? { ...EMPTY_STATE, ...(last.state as Partial<SwitchState>) } : EMPTY_STATE;
    const state = { ...base, version: (last?.version ?? 0) + (last ? 1 : 0) } as SwitchState;
    const written = await this.#o.store.restore(state);
    if (written && last) {
      this.#alert('critical', `Kill switch state restored from the ledger at version ${state.version}`, {
        operation: 'restore',
        version: state.version,
        master_halted: state.master.halted,
      });
    }
    return written ? state : undefined;
  }

  /** Pauses every queue: no replica takes new commands; those in flight finish. */
  async pause(req: FlipRequest): Promise<FlipResult> {
    return this.#queues('pause', req);
  }

  /** Resumes every queue; waiting commands are evaluated by the policy in force now. */
  async resume(req: FlipRequest): Promise<FlipResult> {
    return this.#queues('resume', req);
  }

  async #queues(op: 'pause' | 'resume', req: FlipRequest): Promise<FlipResult> {
    const t0 = performance.now();
    await this.#redis(() =>
      Promise.all([...this.#o.queues.values()].map((q) => (op === 'pause' ? q.pause() : q.resume()))),
    );
    const state = (await this.#o.store.read().catch(() => undefined)) ?? EMPTY_STATE;
    await this.#audit({ op, version: state.version, scope: undefined, req, state });
    this.#alert('high', `Poller ${op === 'pause' ? 'paused' : 'resumed'} by ${req.by}: ${req.reason}`, {
      operation: op,
      by: req.by,
      reason: req.reason,
      queues: [...this.#o.queues.keys()],
    });
    return {
      operation: op,
      target: 'poller',
      version: state.version,
      ms: performance.now() - t0,
      acknowledged_by: [],
    };
  }

  /** Halts the master switch (no scope) or one scope; returns once every live replica applied it. */
  async halt(req: FlipRequest): Promise<FlipResult> {
    const t0 = performance.now();
    const r = await this.#redis(() => this.#o.store.flip('halt', req.scope, req));
    if (r.outcome !== 'ok') throw new Error(`unexpected halt outcome ${r.outcome}`);
    // This replica applies it at once rather than waiting for its own pub/sub message.
    const [acks] = await Promise.all([
      this.#acks(r.version),
      this.#audit({ op: 'halt', version: r.version, scope: req.scope, req, state: r.state }),
    ]);
    const ms = performance.now() - t0;
    this.#alert(
      req.scope ? 'high' : 'critical',
      `Kill switch HALT (${scopeLabel(req.scope)}) by ${req.by}: ${req.reason}`,
      {
        operation: 'halt',
        target: scopeLabel(req.scope),
        by: req.by,
        reason: req.reason,
        version: r.version,
        unacknowledged: acks.missing,
      },
    );
    this.#ackFailure(r.version, acks.missing);
    return {
      operation: 'halt',
      target: scopeLabel(req.scope),
      version: r.version,
      ms,
      acknowledged_by: acks.acked,
    };
  }

  /**
   * Releases the master switch or one scope. Under the two-person rule the first release of the
   * master switch only records a pending request; a different person's release confirms it.
   */
  async release(req: FlipRequest): Promise<FlipResult> {
    const t0 = performance.now();
    const twoPerson = this.#o.twoPerson && !req.scope;
    const r = await this.#redis(() =>
      this.#o.store.flip('release', req.scope, {
        ...req,
        twoPerson,
        requestTtlMs: this.#o.releaseRequestTtlMs,
      }),
    );
    const target = scopeLabel(req.scope);
    if (r.outcome === 'not_halted') throw new OrchestratorError(ControlErrors.NOT_HALTED, { what: target });
    if (r.outcome === 'same_person') {
      throw new OrchestratorError(ControlErrors.SAME_PERSON, { subject: r.requestedBy });
    }
    if (r.outcome === 'pending') {
      const state = (await this.#o.store.read()) ?? EMPTY_STATE;
      await this.#audit({ op: 'release_requested', version: r.version, scope: undefined, req, state });
      this.#alert(
        'critical',
        `Release of the master switch requested by ${req.by}; a second person must confirm`,
        {
          operation: 'release_requested',
          by: req.by,
          reason: req.reason,
          version: r.version,
        },
      );
      return {
        operation: 'release_requested',
        target,
        version: r.version,
        ms: performance.now() - t0,
        acknowledged_by: [],
        pending: { requested_by: req.by, expires_in_ms: this.#o.releaseRequestTtlMs },
      };
    }
    const [acks] = await Promise.all([
      this.#acks(r.version),
      this.#audit({ op: 'release', version: r.version, scope: req.scope, req, state: r.state }),
    ]);
    const requeued = await this.#requeueReleased(r.version);
    this.#alert(
      req.scope ? 'high' : 'critical',
      `Kill switch RELEASE (${target}) by ${req.by}: ${req.reason}`,
      {
        operation: 'release',
        target,
        by: req.by,
        reason: req.reason,
        version: r.version,
        requeued,
        unacknowledged: acks.missing,
      },
    );
    this.#ackFailure(r.version, acks.missing);
    return {
      operation: 'release',
      target,
      version: r.version,
      ms: performance.now() - t0,
      acknowledged_by: acks.acked,
      requeued,
    };
  }

  /** The switch, the poller, the replicas and how many actions are held. */
  async status(): Promise<ControlStatus> {
    const [state, pending, replicas, queues, held] = await this.#redis(() =>
      Promise.all([
        this.#o.store.read(),
        this.#o.store.pendingRelease(),
        this.#o.store.replicas(),
        Promise.all([...this.#o.queues].map(async ([name, q]) => ({ name, paused: await q.isPaused() }))),
        this.#o.ledger.countActions({ status: 'HELD', limit: HELD_SCAN_LIMIT }),
      ]),
    );
    const st = state ?? EMPTY_STATE;
    return {
      version: st.version,
      master: st.master,
      scopes: st.scopes,
      paused: queues.length > 0 && queues.every((q) => q.paused),
      queues,
      pending_release: pending ?? null,
      replicas,
      held_actions: held,
      two_person_rule: this.#o.twoPerson,
    };
  }

  /**
   * Requeues HELD actions that no halt covers any more. A release does this itself; the sweep
   * (every `KILL_SWITCH_HELD_SWEEP_MS` on every replica) catches what a release left behind when
   * its replica died half-way. Job ids carry the switch version, so a sweep racing a release
   * queues each action once. Does nothing while this replica cannot read the switch.
   */
  async sweepHeld(): Promise<number> {
    const st = this.#o.replica.state;
    if (!st || this.#o.replica.stale) return 0;
    return this.#requeueReleased(st.version);
  }

  /** Requeues the HELD actions this replica's gate now lets through (after a release). */
  async #requeueReleased(version: number): Promise<number> {
    const held = await this.#o.ledger.listActions({ status: 'HELD', limit: HELD_SCAN_LIMIT });
    let n = 0;
    for (const a of held) {
      const connector = this.#o.connectorOf(a.commandType) ?? '';
      const v = this.#o.replica.check({
        agentId: a.agentId,
        actionId: a.actionId,
        commandType: a.commandType,
        connector,
      });
      if (!v.open) continue;
      await this.#o.requeue(a, version);
      n++;
    }
    return n;
  }

  /** Applies `version` here, then waits until every live replica acknowledged it (bounded). */
  async #acks(version: number): Promise<{ acked: string[]; missing: string[] }> {
    await this.#o.replica.refresh();
    const deadline = performance.now() + this.#o.ackTimeoutMs;
    let missing: string[] = [];
    for (;;) {
      missing = await this.#o.store.pendingAcks(version).catch(() => missing);
      if (missing.length === 0 || performance.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const all = (await this.#o.store.replicas().catch(() => [])).map((r) => r.id);
    return { acked: all.filter((id) => !missing.includes(id)), missing };
  }

  #ackFailure(version: number, missing: readonly string[]): void {
    if (missing.length === 0) return;
    throw new OrchestratorError(ControlErrors.ACK_TIMEOUT, {
      version,
      replicas: missing.join(', '),
      ms: this.#o.ackTimeoutMs,
      details: { version, unacknowledged: missing },
    });
  }

  async #audit(f: {
    op: SwitchOperation;
    version: number;
    scope: Scope | undefined;
    req: FlipRequest;
    state: SwitchState;
  }): Promise<void> {
    const flip: NewSwitchFlip = {
      version: f.version,
      operation: f.op,
      scopeKind: f.op === 'pause' || f.op === 'resume' ? null : (f.scope?.kind ?? 'master'),
      scopeValue: f.scope?.value ?? null,
      subject: f.req.by,
      reason: f.req.reason,
      state: f.state as unknown as Record<string, unknown>,
    };
    try {
      await this.#o.ledger.recordSwitchFlip(flip);
    } catch (err) {
      const reason = (err as Error).message;
      this.#alert('critical', `Kill switch flip to version ${f.version} is in force but not in the ledger`, {
        operation: f.op,
        version: f.version,
        error: reason,
      });
      throw new OrchestratorError(ControlErrors.AUDIT_FAILED, { version: f.version, reason }, { cause: err });
    }
  }

  async #redis<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof OrchestratorError) throw err;
      throw new OrchestratorError(
        ControlErrors.UNAVAILABLE,
        { reason: (err as Error).message },
        { cause: err },
      );
    }
  }

  #alert(severity: 'critical' | 'high', summary: string, details: Record<string, unknown>): void {
    this.#o.bus.emit('alert', {
      kind: 'kill_switch',
      summary,
      alert: { severity, teams: ['operations', 'security', 'engineering'] },
      details,
    });
  }
}
