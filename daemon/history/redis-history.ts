/**
 * History counts in Redis, shared by every daemon replica.
 *
 * Each (command type, service) and (agent, command type) pair has a hash of per-bucket counters
 * (`a<bucket>` attempts, `d<bucket>` denials; one bucket per minute by default). A lookup sums
 * the buckets inside the window and drops older ones, so its cost is bounded by the number of
 * buckets, not by traffic — the ledger's row counts grow with every command in the window.
 *
 * An action is counted once however often its job is delivered (a `seen` marker per action),
 * and a lookup leaves the action's own attempt and denial out, as the ledger's count does.
 * Time comes from the Redis server (`TIME`), so replicas with skewed clocks agree on buckets.
 * All keys share one hash tag so the scripts also run on Redis Cluster.
 */
import type { Redis } from 'ioredis';
import type { HistoryContext } from '../core/types.ts';
import type { HistoryKey, HistoryStore } from './history.ts';

/** Options of {@link RedisHistory}. */
export interface RedisHistoryOptions {
  /** Length of the window the policy's `*_1h` counts cover. @defaultValue 3_600_000 */
  readonly windowMs?: number;
  /** Resolution of the counters: the window moves in steps of this size. @defaultValue 60_000 */
  readonly bucketMs?: number;
  /** Key prefix (tests use a random one). @defaultValue 'orc:history' */
  readonly prefix?: string;
}

// Shared by both scripts: the current bucket from the server's clock.
const NOW = `local t = redis.call('TIME')
local now = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / tonumber(ARGV[1]))`;

/**
 * KEYS: service hash, agent hash, seen marker, denied marker.
 * ARGV: bucket ms, window buckets, ttl ms, has service ('1'|'0').
 * Returns {service attempts, service denials, agent attempts, agent denials}.
 */
const OBSERVE = `${NOW}
local oldest = now - tonumber(ARGV[2]) + 1
local ttl = tonumber(ARGV[3])
local hashes = {KEYS[2]}
if ARGV[4] == '1' then hashes = {KEYS[1], KEYS[2]} end
local seen = redis.call('GET', KEYS[3])
if not seen then
  redis.call('SET', KEYS[3], now, 'PX', ttl)
  for _, h in ipairs(hashes) do
    redis.call('HINCRBY', h, 'a' .. now, 1)
    redis.call('PEXPIRE', h, ttl)
  end
  seen = now
end
seen = tonumber(seen)
local denied = redis.call('GET', KEYS[4])
if denied then denied = tonumber(denied) end
local function count(h)
  local a, d = 0, 0
  local flat = redis.call('HGETALL', h)
  local stale = {}
  for i = 1, #flat, 2 do
    local f = flat[i]
    local b = tonumber(string.sub(f, 2))
    local n = tonumber(flat[i + 1])
    if b < oldest then
      stale[#stale + 1] = f
    elseif string.sub(f, 1, 1) == 'a' then
      a = a + n
    else
      d = d + n
    end
  end
  if #stale > 0 then redis.call('HDEL', h, unpack(stale)) end
  if seen >= oldest then a = a - 1 end
  if denied and denied >= oldest then d = d - 1 end
  if a < 0 then a = 0 end
  if d < 0 then d = 0 end
  return {a, d}
end
local svc = {0, 0}
if ARGV[4] == '1' then svc = count(KEYS[1]) end
local agt = count(KEYS[2])
return {svc[1], svc[2], agt[1], agt[2]}`;

/**
 * KEYS: service hash, agent hash, denied marker. ARGV: bucket ms, ttl ms, has service.
 * Returns 1 when the denial was counted, 0 when this action's denial already was.
 */
const DENY = `${NOW}
local ttl = tonumber(ARGV[2])
if not redis.call('SET', KEYS[3], now, 'NX', 'PX', ttl) then return 0 end
local hashes = {KEYS[2]}
if ARGV[3] == '1' then hashes = {KEYS[1], KEYS[2]} end
for _, h in ipairs(hashes) do
  redis.call('HINCRBY', h, 'd' .. now, 1)
  redis.call('PEXPIRE', h, ttl)
end
return 1`;

type Scripts = Redis & {
  orcHistoryObserve(...args: (string | number)[]): Promise<[number, number, number, number]>;
  orcHistoryDeny(...args: (string | number)[]): Promise<number>;
};

/**
 * History counters in Redis.
 *
 * @example
 * ```ts
 * const history = new RedisHistory(new Redis(url), { windowMs: 3_600_000 });
 * const counts = await history.observe({ agentId: 'a1', actionId: 'x', commandType: 'REFRESH_TOKEN', service: 'google' });
 * counts.service.attempts_1h; // other REFRESH_TOKEN commands for google in the last hour
 * ```
 */
export class RedisHistory implements HistoryStore {
  readonly #redis: Scripts;
  readonly #bucketMs: number;
  readonly #buckets: number;
  readonly #ttlMs: number;
  readonly #prefix: string;

  constructor(redis: Redis, opts: RedisHistoryOptions = {}) {
    const windowMs = opts.windowMs ?? 3_600_000;
    this.#bucketMs = opts.bucketMs ?? 60_000;
    if (!(this.#bucketMs > 0 && windowMs >= this.#bucketMs)) {
      throw new RangeError(
        `history window (${windowMs} ms) must be at least one bucket (${this.#bucketMs} ms)`,
      );
    }
    this.#buckets = Math.ceil(windowMs / this.#bucketMs);
    // A bucket stays one step past the window so a lookup at the edge still finds it.
    this.#ttlMs = (this.#buckets + 1) * this.#bucketMs;
    this.#prefix = `${opts.prefix ?? 'orc:history'}:{h}`;
    if (!('orcHistoryObserve' in redis)) {
      redis.defineCommand('orcHistoryObserve', { numberOfKeys: 4, lua: OBSERVE });
      redis.defineCommand('orcHistoryDeny', { numberOfKeys: 3, lua: DENY });
    }
    this.#redis = redis as Scripts;
  }

  async observe(key: HistoryKey): Promise<HistoryContext> {
    const [sa, sd, aa, ad] = await this.#redis.orcHistoryObserve(
      this.#serviceKey(key),
      this.#agentKey(key),
      this.#marker('seen', key),
      this.#marker('denied', key),
      this.#bucketMs,
      this.#buckets,
      this.#ttlMs,
      key.service === undefined ? '0' : '1',
    );
    return {
      service: { attempts_1h: sa, denials_1h: sd },
      agent: { attempts_1h: aa, denials_1h: ad },
    };
  }

  async recordDenial(key: HistoryKey): Promise<void> {
    await this.#redis.orcHistoryDeny(
      this.#serviceKey(key),
      this.#agentKey(key),
      this.#marker('denied', key),
      this.#bucketMs,
      this.#ttlMs,
      key.service === undefined ? '0' : '1',
    );
  }

  // Agent ids, command types and service slugs cannot contain ':' (the contract's patterns), so
  // the joined keys are unambiguous; the action id comes last and may contain anything.
  #serviceKey(k: HistoryKey): string {
    return `${this.#prefix}:svc:${k.commandType}:${k.service ?? ''}`;
  }

  #agentKey(k: HistoryKey): string {
    return `${this.#prefix}:agent:${k.agentId}:${k.commandType}`;
  }

  #marker(kind: 'seen' | 'denied', k: HistoryKey): string {
    return `${this.#prefix}:${kind}:${k.agentId}:${k.actionId}`;
  }
}
