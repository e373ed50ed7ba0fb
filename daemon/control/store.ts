/**
 * The switch state in Redis, shared by every replica.
 *
 * Keys (all under `<prefix>:{ks}` so they share one Cluster hash slot): `state` (JSON), the
 * pub/sub channel `events`, `replicas` (set of replica ids), `replica:<id>` (a hash with the
 * version it acknowledged, expiring unless its heartbeat renews it) and `release-request` (a
 * pending two-person release, with a TTL).
 *
 * A flip is one Lua script: it reads the state, applies the change, bumps the version, writes it
 * back and publishes the new version. Redis runs scripts one at a time, so two flips can never
 * produce the same version or lose each other's change.
 */
import type { Redis } from 'ioredis';
import { parseSwitchState, type Scope, type SwitchState } from './state.ts';

/**
 * KEYS: state, release request, channel. ARGV: op (halt|release), kind (master|scope kind),
 * value, by, at, reason, two-person ('1'|'0'), request ttl ms.
 * Returns {outcome, version, state JSON or the requester}; outcome is ok, pending, same_person
 * or not_halted.
 */
const FLIP = `
local raw = redis.call('GET', KEYS[1])
local st
if raw then st = cjson.decode(raw) else st = {version = 0, master = {halted = false}, scopes = {}} end
if type(st.scopes) ~= 'table' then st.scopes = {} end
for _, k in ipairs({'connector', 'command_type', 'agent'}) do
  if type(st.scopes[k]) ~= 'table' then st.scopes[k] = {} end
end
local op, kind, value, by, at, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rec = {by = by, at = at, reason = reason}
if op == 'halt' then
  if kind == 'master' then
    st.master = {halted = true, by = by, at = at, reason = reason}
    redis.call('DEL', KEYS[2])
  else
    st.scopes[kind][value] = rec
  end
elseif op == 'release' then
  if kind == 'master' then
    if not st.master or st.master.halted ~= true then return {'not_halted', st.version, ''} end
    if ARGV[7] == '1' then
      local req = redis.call('GET', KEYS[2])
      if not req then
        redis.call('SET', KEYS[2], cjson.encode(rec), 'PX', tonumber(ARGV[8]))
        return {'pending', st.version, cjson.encode(rec)}
      end
      local r = cjson.decode(req)
      if r.by == by then return {'same_person', st.version, req} end
      redis.call('DEL', KEYS[2])
    end
    st.master = {halted = false, by = by, at = at, reason = reason}
  else
    if st.scopes[kind][value] == nil then return {'not_halted', st.version, ''} end
    st.scopes[kind][value] = nil
  end
else
  return redis.error_reply('unknown switch operation ' .. op)
end
st.version = st.version + 1
local out = cjson.encode(st)
redis.call('SET', KEYS[1], out)
redis.call('PUBLISH', KEYS[3], tostring(st.version))
return {'ok', st.version, out}`;

/**
 * KEYS: replicas set. ARGV: key prefix of replica hashes, version.
 * Returns the ids of live replicas that have not acknowledged `version` yet; forgets dead ones.
 */
const PENDING_ACKS = `
local ids = redis.call('SMEMBERS', KEYS[1])
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    redis.call('SREM', KEYS[1], id)
  else
    local acked = redis.call('HGET', key, 'acked')
    if not acked or tonumber(acked) < tonumber(ARGV[2]) then out[#out + 1] = id end
  end
end
return out`;

type Scripts = Redis & {
  orcSwitchFlip(...args: (string | number)[]): Promise<[string, number, string]>;
  orcSwitchPendingAcks(...args: (string | number)[]): Promise<string[]>;
};

/** The result of a flip script. */
export type FlipOutcome =
  | { readonly outcome: 'ok'; readonly version: number; readonly state: SwitchState }
  | { readonly outcome: 'pending'; readonly version: number; readonly requestedBy: string }
  | { readonly outcome: 'same_person'; readonly version: number; readonly requestedBy: string }
  | { readonly outcome: 'not_halted'; readonly version: number };

/** One replica as its heartbeat describes it. */
export interface ReplicaInfo {
  readonly id: string;
  readonly acked: number | null;
  readonly seenAt: string | null;
  readonly inFlight: number;
}

/**
 * Redis access for the switch.
 *
 * @example
 * ```ts
 * const store = new SwitchStore(new Redis(url), 'orchestrator:control');
 * const r = await store.flip('halt', undefined, { by: 'alice', reason: 'policy bypass' });
 * ```
 */
export class SwitchStore {
  readonly #redis: Scripts;
  readonly prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.prefix = `${prefix}:{ks}`;
    if (!('orcSwitchFlip' in redis)) {
      redis.defineCommand('orcSwitchFlip', { numberOfKeys: 3, lua: FLIP });
      redis.defineCommand('orcSwitchPendingAcks', { numberOfKeys: 1, lua: PENDING_ACKS });
    }
    this.#redis = redis as Scripts;
  }

  get stateKey(): string {
    return `${this.prefix}:state`;
  }
  get channel(): string {
    return `${this.prefix}:events`;
  }
  get replicasKey(): string {
    return `${this.prefix}:replicas`;
  }
  replicaKey(id: string): string {
    return `${this.prefix}:replica:${id}`;
  }
  get releaseRequestKey(): string {
    return `${this.prefix}:release-request`;
  }

  /** The stored state; undefined when Redis holds none. Throws when Redis cannot answer. */
  async read(): Promise<SwitchState | undefined> {
    const raw = await this.#redis.get(this.stateKey);
    return raw === null ? undefined : parseSwitchState(raw);
  }

  /** Writes `state` only if Redis holds none (restoring after Redis lost it). True if written. */
  async restore(state: SwitchState): Promise<boolean> {
    const ok = await this.#redis.set(this.stateKey, JSON.stringify(state), 'NX');
    if (ok) await this.#redis.publish(this.channel, String(state.version));
    return ok === 'OK';
  }

  /** Halts or releases (master when `scope` is undefined), atomically. */
  async flip(
    op: 'halt' | 'release',
    scope: Scope | undefined,
    who: { by: string; reason: string; twoPerson?: boolean; requestTtlMs?: number },
  ): Promise<FlipOutcome> {
    const [outcome, version, payload] = await this.#redis.orcSwitchFlip(
      this.stateKey,
      this.releaseRequestKey,
      this.channel,
      op,
      scope?.kind ?? 'master',
      scope?.value ?? '',
      who.by,
      new Date().toISOString(),
      who.reason,
      who.twoPerson ? '1' : '0',
      who.requestTtlMs ?? 900_000,
    );
    const v = Number(version);
    if (outcome === 'ok') return { outcome, version: v, state: parseSwitchState(payload) };
    if (outcome === 'pending' || outcome === 'same_person') {
      const by = (JSON.parse(payload) as { by?: string }).by ?? 'unknown';
      return { outcome, version: v, requestedBy: by };
    }
    return { outcome: 'not_halted', version: v };
  }

  /** The pending two-person release, if any. */
  async pendingRelease(): Promise<{ by: string; at: string; reason: string } | undefined> {
    const raw = await this.#redis.get(this.releaseRequestKey);
    return raw === null ? undefined : (JSON.parse(raw) as { by: string; at: string; reason: string });
  }

  /** Records that replica `id` is alive and has applied `version`; expires after `ttlMs`. */
  async heartbeat(id: string, acked: number, ttlMs: number, inFlight: number): Promise<void> {
    const key = this.replicaKey(id);
    await this.#redis
      .multi()
      .hset(key, 'acked', acked, 'seen_at', new Date().toISOString(), 'in_flight', inFlight)
      .pexpire(key, ttlMs)
      .sadd(this.replicasKey, id)
      .exec();
  }

  /** Removes replica `id` (on shutdown), so flips stop waiting for it at once. */
  async unregister(id: string): Promise<void> {
    await this.#redis.multi().del(this.replicaKey(id)).srem(this.replicasKey, id).exec();
  }

  /** Live replicas that have not acknowledged `version` yet. */
  pendingAcks(version: number): Promise<string[]> {
    return this.#redis.orcSwitchPendingAcks(this.replicasKey, `${this.prefix}:replica:`, version);
  }

  /** Every live replica with its heartbeat. */
  async replicas(): Promise<ReplicaInfo[]> {
    const ids = (await this.#redis.smembers(this.replicasKey)).sort();
    const out: ReplicaInfo[] = [];
    for (const id of ids) {
      const h = await this.#redis.hgetall(this.replicaKey(id));
      if (Object.keys(h).length === 0) continue;
      out.push({
        id,
        acked: h.acked === undefined ? null : Number(h.acked),
        seenAt: h.seen_at ?? null,
        inFlight: Number(h.in_flight ?? 0),
      });
    }
    return out;
  }
}
