/**
 * `npm run bench:pipeline -- [--json] [--n 2000] [--concurrency 16] [--rounds 3] [--ceiling]`
 *
 * Runs N commands through the governed pipeline (validate → ledger → history → Rego policy →
 * state machine → a no-op connector registered only for this bench) and, in the same process
 * on the same Redis at the same concurrency, N jobs through a bare BullMQ worker that does
 * nothing. Prints both rates and their ratio, for the Postgres ledger and the PGlite ledger.
 * Target (issue 3): governed ≥ 0.5× bare BullMQ with the Postgres ledger.
 *
 * Each round runs bare then governed back to back and the ratio is taken per round; the
 * reported figures are medians over the rounds, because a shared machine's speed drifts by
 * tens of percent between runs seconds apart.
 *
 * `--ceiling` adds a diagnostic run: the same pipeline with its two hot ledger writes answered
 * in memory (see ceiling-ledger.ts). Nothing durable happens there, so it is not a way to run
 * the daemon; it shows how much of the gap the rest of the pipeline accounts for.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ConnectorRegistry } from '../connectors/registry.ts';
import { EventBus } from '../daemon/core/events.ts';
import { RedisHistory } from '../daemon/history/redis-history.ts';
import type { Connector, Ledger } from '../daemon/core/types.ts';
import { createLedger } from '../daemon/ledger/create.ts';
import { redisOptions } from '../daemon/main.ts';
import { Pipeline } from '../daemon/pipeline/pipeline.ts';
import { RegoPolicyEngine } from '../daemon/policy/rego-engine.ts';
import { Poller } from '../daemon/poller/poller.ts';
import { withMemoryHotWrites } from './ceiling-ledger.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const num = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = num('--n', 2_000);
const CONCURRENCY = num('--concurrency', 16);
const ROUNDS = num('--rounds', 3);
const CEILING = args.includes('--ceiling');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const connection = redisOptions(REDIS_URL);
const SERVICES = [
  'mailchimp',
  'google',
  'meta',
  'shopify',
  'chatwoot',
  'slack',
  'hubspot',
  'stripe',
  'notion',
  'zendesk',
];

const noop: Connector = {
  name: 'bench-noop',
  commandTypes: ['CHECK_INTEGRATION_STATUS'],
  async execute() {
    return { status: 'success', integration_status: 'CONNECTED', last_checked: new Date().toISOString() };
  },
};

function name(prefix: string): string {
  return `bench-${prefix}-${randomBytes(4).toString('hex')}`;
}

function jobs(n: number, tag: string): { name: string; data: unknown; opts: { jobId: string } }[] {
  return Array.from({ length: n }, (_, i) => ({
    name: 'CHECK_INTEGRATION_STATUS',
    // A spread of agents and services, as in production: the policy's history counts are per
    // agent and per service over the last hour.
    data: {
      agent_id: `bench-agent-${i % 50}`,
      command: {
        action_id: `${tag}-${i}`,
        command_type: 'CHECK_INTEGRATION_STATUS',
        params: { service: SERVICES[i % SERVICES.length] },
      },
    },
    opts: { jobId: `${tag}-${i}` },
  }));
}

async function drain(queue: Queue, n: number, done: () => number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += 500)
    await queue.addBulk(
      jobs(Math.min(500, n - i), `${queue.name}-${i}`).map((j, k) => ({
        ...j,
        opts: { jobId: `${queue.name}-${i + k}` },
      })),
    );
  while (done() < n) await new Promise((r) => setTimeout(r, 5));
  return (n / (performance.now() - t0)) * 1000;
}

/** Bare BullMQ: a worker that does nothing. */
async function bare(n: number): Promise<number> {
  const q = name('bare');
  const queue = new Queue(q, { connection });
  let completed = 0;
  const worker = new Worker(q, async () => undefined, { connection, concurrency: CONCURRENCY });
  worker.on('completed', () => completed++);
  await worker.waitUntilReady();
  const rate = await drain(queue, n, () => completed);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return rate;
}

/** The governed pipeline with a given ledger. */
async function governed(n: number, ledger: Ledger): Promise<number> {
  await ledger.migrate();
  const bus = new EventBus();
  const policy = await RegoPolicyEngine.load({
    dir: resolve(import.meta.dirname, '../policies'),
    watch: false,
  });
  const connectors = new ConnectorRegistry();
  connectors.register(noop);
  let terminal = 0;
  bus.on('transition', (e) => {
    if (
      e.to === 'SUCCESS' ||
      e.to === 'FAILED' ||
      e.to === 'BLOCKED' ||
      e.to === 'NEEDS_APPROVAL' ||
      e.to === 'REJECTED'
    )
      terminal++;
  });
  const q = name('gov');
  // History counts in Redis, as the daemon keeps them (a fresh prefix: counts start at zero).
  const historyRedis = new Redis(connection);
  let poller: Poller | undefined;
  const pipeline = new Pipeline({
    ledger,
    policy,
    connectors,
    bus,
    historyWindowMs: 3_600_000,
    history: new RedisHistory(historyRedis, { prefix: `${q}-history` }),
    maxCommandBytes: 16_384,
    maxStringLength: 2_048,
    deadLetter: (job) => poller!.deadLetter(job),
  });
  poller = new Poller(pipeline, {
    queues: [q],
    deadLetterQueue: `${q}-dead`,
    concurrency: CONCURRENCY,
    lockMs: 30_000,
    connection,
  });
  poller.start();
  await poller.ready();
  const queue = new Queue(q, { connection });
  const rate = await drain(queue, n, () => terminal);
  await poller.stop(5_000);
  await queue.obliterate({ force: true });
  await queue.close();
  await policy.close();
  const stale = await historyRedis.keys(`${q}-history*`);
  for (let i = 0; i < stale.length; i += 500) await historyRedis.del(...stale.slice(i, i + 500));
  historyRedis.disconnect();
  return rate;
}

async function withPostgres<T>(fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const ledger = await createLedger({
    databaseUrl: PG_URL,
    dataDir: '.data',
    schema,
    postgres: { poolMax: CONCURRENCY + 4 },
  });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Series {
  readonly rates: number[];
  readonly ratios: number[];
}

/** ROUNDS rounds of bare then `run`, each ratio against the bare run just before it. */
async function rounds(run: () => Promise<number>): Promise<Series & { bare: number[] }> {
  const out = { rates: [] as number[], ratios: [] as number[], bare: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    const b = await bare(N);
    const g = await run();
    out.bare.push(b);
    out.rates.push(g);
    out.ratios.push(g / b);
  }
  return out;
}

async function main(): Promise<void> {
  if (!(Number.isInteger(N) && N > 0 && Number.isInteger(ROUNDS) && ROUNDS > 0 && CONCURRENCY > 0)) {
    throw new RangeError('--n, --rounds and --concurrency must be positive integers');
  }
  // Warm up both paths (JIT, connections) before measuring.
  await bare(200);
  const pgSeries = await withPostgres(async (l) => {
    await governed(200, l);
    return rounds(() => governed(N, l));
  });
  const pgliteLedger = await createLedger({ dataDir: 'memory://' });
  await governed(200, pgliteLedger);
  const pgliteSeries = await rounds(() => governed(N, pgliteLedger));
  let ceiling: Series | undefined;
  if (CEILING) {
    // The ledger behind the in-memory hot writes answers every other call (migrate, reads).
    const memory = withMemoryHotWrites(pgliteLedger);
    await governed(200, memory);
    ceiling = await rounds(() => governed(N, memory));
  }
  await pgliteLedger.close();
  const bareAll = [...pgSeries.bare, ...pgliteSeries.bare];
  const ratioPg = median(pgSeries.ratios);
  const round3 = (x: number): number => Number(x.toFixed(3));
  const out = {
    commands: N,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    bare_bullmq_per_sec: Math.round(median(bareAll)),
    governed_postgres_per_sec: Math.round(median(pgSeries.rates)),
    governed_pglite_per_sec: Math.round(median(pgliteSeries.rates)),
    ratio_postgres: round3(ratioPg),
    ratio_pglite: round3(median(pgliteSeries.ratios)),
    ratio_postgres_rounds: pgSeries.ratios.map(round3),
    ...(ceiling
      ? {
          ceiling_no_durable_writes_per_sec: Math.round(median(ceiling.rates)),
          ratio_ceiling: round3(median(ceiling.ratios)),
        }
      : {}),
    target: { ratio_postgres_min: 0.5 },
    pass: ratioPg >= 0.5,
  };
  if (json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(
      `pipeline: ${N} commands, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, Node ${process.version}\n`,
    );
    console.log(`bare BullMQ (no-op worker)      ${out.bare_bullmq_per_sec.toString().padStart(7)} jobs/s`);
    console.log(
      `governed, Postgres ledger       ${out.governed_postgres_per_sec.toString().padStart(7)} cmds/s   ratio ${out.ratio_postgres}×`,
    );
    console.log(
      `governed, PGlite ledger         ${out.governed_pglite_per_sec.toString().padStart(7)} cmds/s   ratio ${out.ratio_pglite}×`,
    );
    if (ceiling) {
      console.log(
        `ceiling, hot writes in memory   ${Math.round(median(ceiling.rates)).toString().padStart(7)} cmds/s   ratio ${round3(median(ceiling.ratios))}×   (diagnostic: not durable)`,
      );
    }
    console.log(
      `\nmedians of ${ROUNDS} rounds; Postgres ratio per round: ${out.ratio_postgres_rounds.join(', ')}`,
    );
    console.log(`target: Postgres ratio ≥ 0.5× → ${out.pass ? 'ok' : 'MISSED'}`);
  }
  process.exit(0);
}

await main();
