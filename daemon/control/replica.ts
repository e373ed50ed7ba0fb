/**
 * One replica's view of the kill switch, and the gate the pipeline checks before every
 * connector call.
 *
 * The state reaches the replica two ways: a pub/sub message on every flip (fast path) and a
 * re-read every `refreshMs` (so a lost message costs at most one interval). After applying a
 * version the replica acknowledges it in its heartbeat hash; a halt returns once every live
 * replica has. Fail closed: when the last successful read is older than `staleMs`, or none ever
 * succeeded, the gate is closed. The heartbeat expires after `staleMs` too, so a replica that
 * cannot reach Redis drops out of the live set about when it stops itself.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ExecutionGate, GatePass, GateSubject, GateVerdict, InFlightNote } from '../pipeline/gate.ts';
import { haltedBy, type SwitchState } from './state.ts';
import type { SwitchStore } from './store.ts';

export interface ReplicaOptions {
  readonly store: SwitchStore;
  /** A dedicated connection for SUBSCRIBE (a subscribed connection can run nothing else). */
  readonly subscriber: Redis;
  readonly refreshMs: number;
  readonly staleMs: number;
  /** Called when Redis holds no state at all (it restarted empty): restore from the ledger. */
  readonly onMissing?: () => Promise<void>;
  /** Calls that were running when a halt covering them landed. */
  readonly onInFlightAtHalt?: (calls: readonly (GateSubject & InFlightNote)[]) => void;
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
}

interface Running {
  readonly subject: GateSubject;
  note: InFlightNote | undefined;
}

/**
 * @example
 * ```ts
 * const replica = new SwitchReplica({ store, subscriber: new Redis(url), refreshMs: 1000, staleMs: 2000 });
 * await replica.start();
 * const { verdict } = replica.enter({ agentId, actionId, commandType, connector: 'integrations' });
 * ```
 */
export class SwitchReplica implements ExecutionGate {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #o: ReplicaOptions;
  readonly #now: () => number;
  #state: SwitchState | undefined;
  #lastOk = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  readonly #running = new Set<Running>();

  constructor(opts: ReplicaOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The state this replica holds (undefined before the first read). */
  get state(): SwitchState | undefined {
    return this.#state;
  }

  /** Whether the last good read is too old (the gate is then closed). */
  get stale(): boolean {
    return this.#now() - this.#lastOk > this.#o.staleMs;
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /** Subscribes, reads the state once and starts the periodic re-read. */
  async start(): Promise<void> {
    const sub = this.#o.subscriber;
    sub.on('message', (channel: string) => {
      if (channel === this.#o.store.channel) void this.refresh();
    });
    await sub.subscribe(this.#o.store.channel);
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#refreshing;
    await this.#o.store.unregister(this.id).catch(() => {});
    this.#o.subscriber.disconnect();
  }

  /**
   * Re-reads the state, applies it and acknowledges it. Concurrent calls share one read and
   * trigger one more afterwards, so a push arriving mid-read is never missed.
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#readOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #readOnce(): Promise<void> {
    if (this.#stopped) return;
    const asked = this.#now();
    try {
      const st = await this.#o.store.read();
      if (st === undefined) {
        // Redis lost the state: restore it from the ledger before trusting anything.
        await this.#o.onMissing?.();
        return;
      }
      if (!this.#state || st.version >= this.#state.version) this.#apply(st);
      this.#lastOk = asked;
      await this.#o.store.heartbeat(this.id, this.#state!.version, this.#o.staleMs, this.#running.size);
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  #apply(st: SwitchState): void {
    const changed = this.#state?.version !== st.version;
    this.#state = st;
    if (!changed) return;
    const landed: (GateSubject & InFlightNote)[] = [];
    const at = new Date(this.#now()).toISOString();
    for (const r of this.#running) {
      const scope = r.note ? undefined : haltedBy(st, r.subject);
      if (scope) {
        r.note = { version: st.version, scope, landedAt: at };
        landed.push({ ...r.subject, ...r.note });
      }
    }
    if (landed.length > 0) this.#o.onInFlightAtHalt?.(landed);
  }

  check(subject: GateSubject): GateVerdict {
    const st = this.#state;
    if (!st || this.stale) {
      return {
        open: false,
        scope: 'stale',
        reason: 'the switch state could not be read recently; failing closed',
        version: st?.version ?? null,
      };
    }
    const scope = haltedBy(st, subject);
    if (!scope) return { open: true };
    const rec = scope === 'master' ? st.master : (lookup(st, scope) ?? { reason: null as string | null });
    return { open: false, scope, reason: rec.reason ?? 'halted', version: st.version };
  }

  enter(subject: GateSubject): { verdict: GateVerdict; pass?: GatePass } {
    const verdict = this.check(subject);
    if (!verdict.open) return { verdict };
    const r: Running = { subject, note: undefined };
    this.#running.add(r);
    return {
      verdict,
      pass: {
        end: () => {
          this.#running.delete(r);
          return r.note;
        },
      },
    };
  }
}

function lookup(st: SwitchState, scope: string): { reason: string | null } | undefined {
  const i = scope.indexOf(':');
  const kind = scope.slice(0, i) as keyof SwitchState['scopes'];
  return st.scopes[kind]?.[scope.slice(i + 1)];
}
