/**
 * The kill switch and the poller as Prometheus gauges, read at scrape time from this replica's
 * view of the switch (no I/O) and, for the poller and held actions, from Redis and the ledger.
 * Kept apart from `metrics.ts` so the control plane can be wired without touching it.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { SwitchReplica } from './control/replica.ts';
import { scopedHaltCount } from './control/state.ts';
import type { Ledger } from './core/types.ts';

/**
 * Registers the gauges on `registry`.
 *
 * @example
 * ```ts
 * registerControlMetrics(metrics.registry, { replica, queues: [...queues.values()], ledger });
 * // orchestrator_kill_switch_master_halted 1
 * ```
 */
export function registerControlMetrics(
  registry: Registry,
  deps: { replica: SwitchReplica; queues: readonly Queue[]; ledger: Pick<Ledger, 'countActions'> },
): void {
  const { replica } = deps;
  new Gauge({
    name: 'orchestrator_poller_paused',
    help: '1 when every queue of the poller is paused (orchestrator pause), else 0',
    registers: [registry],
    async collect() {
      const paused = await Promise.all(deps.queues.map((q) => q.isPaused())).catch(() => [false]);
      this.set(paused.length > 0 && paused.every(Boolean) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orchestrator_kill_switch_master_halted',
    help: '1 when the master switch is halted, or this replica cannot read the switch (fail closed), else 0',
    registers: [registry],
    collect() {
      const st = replica.state;
      this.set(!st || replica.stale || st.master.halted ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orchestrator_kill_switch_scoped_halts',
    help: 'Scoped halts in force (by connector, command type or agent)',
    registers: [registry],
    collect() {
      const st = replica.state;
      this.set(st ? scopedHaltCount(st) : 0);
    },
  });
  new Gauge({
    name: 'orchestrator_kill_switch_version',
    help: 'Version of the switch state this replica applied',
    registers: [registry],
    collect() {
      this.set(replica.state?.version ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'orchestrator_kill_switch_stale',
    help: '1 when this replica could not read the switch within KILL_SWITCH_STALE_MS (it executes nothing)',
    registers: [registry],
    collect() {
      this.set(replica.stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orchestrator_held_actions',
    help: 'Actions kept HELD by the kill switch, waiting for a release (counted up to 10000)',
    registers: [registry],
    async collect() {
      const held = await deps.ledger.countActions({ status: 'HELD', limit: 10_000 }).catch(() => undefined);
      this.set(held ?? Number.NaN);
    },
  });
}
