/**
 * The refresh-storm detector: repeated unapproved `REFRESH_TOKEN` attempts — actions ending
 * NEEDS_APPROVAL, BLOCKED or REJECTED — by one agent, or for one service, within a window.
 *
 * It listens to the bus's `transition` events (every replica announces the transitions it
 * recorded) and counts in Redis, so the count is shared by all replicas: a sorted set per agent
 * and per service, one member per action (an action denied twice counts once). When a count
 * reaches the threshold, a critical `anomaly` alert carries the evidence (agent, service, count,
 * window, action ids) and, when configured, the poller is paused (a flip by
 * `system:anomaly-detector`). It fires once per agent or service per window.
 */
import type { Redis } from 'ioredis';
import type { EventBus, OrchestratorEvents } from '../core/events.ts';
import type { ActionStatus, Ledger } from '../core/types.ts';

/** Statuses that mean "a refresh nobody approved". */
export const UNAPPROVED: ReadonlySet<ActionStatus> = new Set(['NEEDS_APPROVAL', 'BLOCKED', 'REJECTED']);

export const ANOMALY_SUBJECT = 'system:anomaly-detector';

/**
 * KEYS: agent set, service set (or ''), agent fired marker, service fired marker.
 * ARGV: member, window ms, threshold. Time from the Redis server.
 * Returns {agent count, agent fired (0|1), service count, service fired (0|1), agent members..., '|', service members...}.
 */
const OBSERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local threshold = tonumber(ARGV[3])
local function bump(set, fired)
  redis.call('ZADD', set, now, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now - window)
  redis.call('PEXPIRE', set, window)
  local n = redis.call('ZCARD', set)
  local f = 0
  if n >= threshold and redis.call('SET', fired, now, 'NX', 'PX', window) then f = 1 end
  return n, f
end
local an, af = bump(KEYS[1], KEYS[3])
local sn, sf = 0, 0
if KEYS[2] ~= '' then sn, sf = bump(KEYS[2], KEYS[4]) end
local out = {an, af, sn, sf}
if af == 1 then for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do out[#out + 1] = 'a' .. m end end
if sf == 1 then for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do out[#out + 1] = 's' .. m end end
return out`;

type Scripts = Redis & { orcAnomalyObserve(...args: (string | number)[]): Promise<(number | string)[]> };

export interface AnomalyOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly bus: EventBus;
  readonly ledger: Ledger;
  readonly threshold: number;
  readonly windowMs: number;
  readonly autoPause: boolean;
  /** Pauses the poller (the control plane's `pause`). */
  readonly pause: (reason: string) => Promise<unknown>;
  readonly onError?: (err: unknown) => void;
}

/** What a detection carries as evidence. */
export interface StormEvidence {
  readonly dimension: 'agent' | 'service';
  readonly agent: string;
  readonly service: string | null;
  readonly count: number;
  readonly threshold: number;
  readonly window_ms: number;
  readonly action_ids: readonly string[];
}

/**
 * @example
 * ```ts
 * const detector = new RefreshStormDetector({ redis, prefix: 'orchestrator:control', bus, ledger,
 *   threshold: 5, windowMs: 600_000, autoPause: true, pause: (reason) => control.pause({ by: ANOMALY_SUBJECT, reason }) });
 * detector.attach();
 * ```
 */
export class RefreshStormDetector {
  readonly #o: AnomalyOptions;
  readonly #redis: Scripts;
  readonly #prefix: string;
  #detach: (() => void) | undefined;
  /** Detections in progress (tests and shutdown wait for them). */
  readonly pending = new Set<Promise<void>>();

  constructor(opts: AnomalyOptions) {
    this.#o = opts;
    this.#prefix = `${opts.prefix}:{anomaly}`;
    if (!('orcAnomalyObserve' in opts.redis)) {
      opts.redis.defineCommand('orcAnomalyObserve', { numberOfKeys: 4, lua: OBSERVE });
    }
    this.#redis = opts.redis as Scripts;
  }

  /** Starts listening to the bus. */
  attach(): void {
    this.#detach = this.#o.bus.on('transition', (e) => {
      if (e.commandType !== 'REFRESH_TOKEN' || !UNAPPROVED.has(e.to)) return;
      const p = this.observe(e).then(
        () => undefined,
        (err: unknown) => this.#o.onError?.(err),
      );
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    });
  }

  detach(): void {
    this.#detach?.();
  }

  /** Counts one unapproved refresh; alerts (and pauses) when a count reaches the threshold. */
  async observe(e: OrchestratorEvents['transition']): Promise<StormEvidence[]> {
    const action = await this.#o.ledger.getAction(e.agentId, e.actionId);
    const params = (action?.command.params ?? {}) as Record<string, unknown>;
    const service = typeof params.service === 'string' ? params.service : null;
    const member = `${e.agentId}/${e.actionId}`;
    const out = await this.#redis.orcAnomalyObserve(
      `${this.#prefix}:agent:${e.agentId}`,
      service === null ? '' : `${this.#prefix}:service:${service}`,
      `${this.#prefix}:fired:agent:${e.agentId}`,
      `${this.#prefix}:fired:service:${service ?? ''}`,
      member,
      this.#o.windowMs,
      this.#o.threshold,
    );
    const [an, af, sn, sf] = out.map(Number) as [number, number, number, number];
    const members = out.slice(4).map(String);
    const found: StormEvidence[] = [];
    const base = { agent: e.agentId, service, threshold: this.#o.threshold, window_ms: this.#o.windowMs };
    if (af === 1) {
      const ids = members.filter((m) => m.startsWith('a')).map((m) => m.slice(1));
      found.push({ ...base, dimension: 'agent', count: an, action_ids: ids });
    }
    if (sf === 1) {
      const ids = members.filter((m) => m.startsWith('s')).map((m) => m.slice(1));
      found.push({ ...base, dimension: 'service', count: sn, action_ids: ids });
    }
    for (const ev of found) await this.#fire(ev, e.actionId);
    return found;
  }

  async #fire(ev: StormEvidence, actionId: string): Promise<void> {
    const who = ev.dimension === 'agent' ? `agent ${ev.agent}` : `service ${ev.service}`;
    const summary = `Refresh storm: ${ev.count} unapproved REFRESH_TOKEN attempts for ${who} within ${Math.round(ev.window_ms / 1000)} s`;
    let paused: boolean | string = false;
    if (this.#o.autoPause) {
      try {
        await this.#o.pause(`${summary} (automatic)`);
        paused = true;
      } catch (err) {
        paused = `pause failed: ${(err as Error).message}`;
      }
    }
    this.#o.bus.emit('alert', {
      kind: 'anomaly',
      summary,
      alert: { severity: 'critical', teams: ['security', 'operations'] },
      details: { type: 'refresh_token_storm', ...ev, auto_paused: paused, action_id: actionId },
      actionId,
    });
  }
}
