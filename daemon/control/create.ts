/**
 * Builds the kill switch for one daemon process: the Redis store, this replica's view (the
 * pipeline's gate), the control plane and the refresh-storm detector. `daemon/main.ts` calls it
 * before the poller starts, so no job is processed before the switch state was read.
 */
import type { Config } from '../config/config.ts';
import type { Queue, RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { EventBus } from '../core/events.ts';
import type { ActionRecord, Ledger } from '../core/types.ts';
import { ANOMALY_SUBJECT, RefreshStormDetector } from './anomaly.ts';
import { SwitchReplica } from './replica.ts';
import { ControlPlane } from './service.ts';
import { SwitchStore } from './store.ts';

/** The settings the kill switch reads (validated with the rest of the config at start-up). */
export type KillSwitchConfig = Pick<
  Config,
  | 'killSwitchPrefix'
  | 'killSwitchRefreshMs'
  | 'killSwitchStaleMs'
  | 'killSwitchAckTimeoutMs'
  | 'killSwitchTwoPerson'
  | 'killSwitchReleaseRequestTtlMs'
  | 'killSwitchHeldSweepMs'
  | 'anomalyAutoPause'
  | 'anomalyRefreshThreshold'
  | 'anomalyRefreshWindowMs'
>;

export interface KillSwitch {
  readonly replica: SwitchReplica;
  readonly control: ControlPlane;
  readonly detector: RefreshStormDetector;
  stop(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const ks = await createKillSwitch(config, { connection, ledger, bus, queues, connectorOf, requeue });
 * const pipeline = new Pipeline({ ..., gate: ks.replica });
 * ```
 */
export async function createKillSwitch(
  config: KillSwitchConfig,
  deps: {
    readonly connection: RedisOptions;
    readonly ledger: Ledger;
    readonly bus: EventBus;
    readonly queues: ReadonlyMap<string, Queue>;
    readonly connectorOf: (commandType: string) => string | undefined;
    readonly requeue: (action: ActionRecord, version: number) => Promise<void>;
    readonly onError?: (what: string, err: unknown) => void;
  },
): Promise<KillSwitch> {
  // Short timeouts: a read that hangs must fail, so the replica notices it is stale.
  const redis = new Redis({
    ...deps.connection,
    maxRetriesPerRequest: 1,
    commandTimeout: Math.max(100, Math.floor(config.killSwitchStaleMs / 2)),
  });
  redis.on('error', (err) => deps.onError?.('kill switch: Redis error', err));
  const subscriber = new Redis({ ...deps.connection, maxRetriesPerRequest: null });
  subscriber.on('error', (err) => deps.onError?.('kill switch: Redis subscriber error', err));
  const store = new SwitchStore(redis, config.killSwitchPrefix);

  let control: ControlPlane | undefined;
  const replica = new SwitchReplica({
    store,
    subscriber,
    refreshMs: config.killSwitchRefreshMs,
    staleMs: config.killSwitchStaleMs,
    onMissing: async () => {
      await control?.restoreIfMissing();
    },
    onInFlightAtHalt: (calls) =>
      deps.bus.emit('alert', {
        kind: 'kill_switch_in_flight',
        summary: `${calls.length} connector call(s) were already running when the halt landed; their outcome is recorded when they return`,
        alert: { severity: 'high', teams: ['operations'] },
        details: {
          switch_version: calls[0]?.version,
          calls: calls.map((c) => ({
            agent: c.agentId,
            action_id: c.actionId,
            command_type: c.commandType,
            connector: c.connector,
            halted_by: c.scope,
          })),
        },
      }),
    onError: (err) => deps.onError?.('kill switch: state read failed (failing closed)', err),
  });
  control = new ControlPlane({
    store,
    replica,
    ledger: deps.ledger,
    bus: deps.bus,
    queues: deps.queues,
    connectorOf: deps.connectorOf,
    requeue: deps.requeue,
    ackTimeoutMs: config.killSwitchAckTimeoutMs,
    twoPerson: config.killSwitchTwoPerson,
    releaseRequestTtlMs: config.killSwitchReleaseRequestTtlMs,
  });
  await control.restoreIfMissing();
  await replica.start();

  const detector = new RefreshStormDetector({
    redis,
    prefix: config.killSwitchPrefix,
    bus: deps.bus,
    ledger: deps.ledger,
    threshold: config.anomalyRefreshThreshold,
    windowMs: config.anomalyRefreshWindowMs,
    autoPause: config.anomalyAutoPause,
    pause: (reason) => control.pause({ by: ANOMALY_SUBJECT, reason }),
    onError: (err) => deps.onError?.('refresh-storm detector failed', err),
  });
  detector.attach();

  // Releases requeue what they free; this catches what a release left behind (its replica died).
  const sweeper = setInterval(() => {
    control.sweepHeld().catch((err: unknown) => deps.onError?.('sweep of HELD actions failed', err));
  }, config.killSwitchHeldSweepMs);
  sweeper.unref();

  return {
    replica,
    control,
    detector,
    async stop() {
      clearInterval(sweeper);
      detector.detach();
      await Promise.allSettled([...detector.pending]);
      await replica.stop();
      redis.disconnect();
    },
  };
}
