/**
 * `npm run bench:pipeline -- [--json] [--n 2000] [--concurrency 16]`
 *
 * Runs N commands through the governed pipeline (validate → ledger → history → Rego policy →
 * state machine → a no-op connector registered only for this bench) and, in the same process
 * on the same Redis at the same concurrency, N jobs through a bare BullMQ worker that does
 * nothing. Prints both rates and their ratio, for the Postgres ledger and the PGlite ledger.
 * Target (issue 3): governed ≥ 0.5× bare BullMQ with the Postgres ledger.
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

const args = process.argv.slice(2);
const json = args.includes('--json');
const num = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = num('--n', 2_000);
const CONCURRENCY = num('--concurrency', 16);
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

async function main(): Promise<void> {
  // Warm up both paths (JIT, connections) before measuring.
  await bare(200);
  const bareRate = await bare(N);
  const pgRate = await withPostgres((l) => governed(N, l));
  const pgliteLedger = await createLedger({ dataDir: 'memory://' });
  const pgliteRate = await governed(N, pgliteLedger);
  await pgliteLedger.close();
  const out = {
    commands: N,
    concurrency: CONCURRENCY,
    bare_bullmq_per_sec: Math.round(bareRate),
    governed_postgres_per_sec: Math.round(pgRate),
    governed_pglite_per_sec: Math.round(pgliteRate),
    ratio_postgres: Number((pgRate / bareRate).toFixed(3)),
    ratio_pglite: Number((pgliteRate / bareRate).toFixed(3)),
    target: { ratio_postgres_min: 0.5 },
    pass: pgRate / bareRate >= 0.5,
  };
  if (json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(`pipeline: ${N} commands, concurrency ${CONCURRENCY}, Node ${process.version}\n`);
    console.log(`bare BullMQ (no-op worker)      ${out.bare_bullmq_per_sec.toString().padStart(7)} jobs/s`);
    console.log(
      `governed, Postgres ledger       ${out.governed_postgres_per_sec.toString().padStart(7)} cmds/s   ratio ${out.ratio_postgres}×`,
    );
    console.log(
      `governed, PGlite ledger         ${out.governed_pglite_per_sec.toString().padStart(7)} cmds/s   ratio ${out.ratio_pglite}×`,
    );
    console.log(`\ntarget: Postgres ratio ≥ 0.5× → ${out.pass ? 'ok' : 'MISSED'}`);
  }
  process.exit(0);
}

await main();
