/**
 * Wires the daemon together: config → logger → ledger (migrated) → policy engine → connectors
 * → queues → intake → pipeline → poller → metrics → HTTP API. Everything subscribes to one
 * event bus; nothing here holds business logic.
 */
import { Queue, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { attachBreakerAlerts } from './alerts/breaker-alerts.ts';
import { scopedHaltCount } from './control/state.ts';
import { RedisHistory } from './history/redis-history.ts';
import { registerJuryReportMetrics } from './metrics-jury-report.ts';
import { registerControlMetrics } from './metrics-control.ts';
import { createKillSwitch, type KillSwitch } from './control/create.ts';
import type { Logger } from 'pino';
import { createDefaultConnectors } from '../connectors/registry.ts';
import { SessionsConnector } from '../connectors/sessions.ts';
import { runJury } from '../judges/jury.ts';
import { loadPanel } from '../judges/panel.ts';
import { createAlertService } from './alerts/create.ts';
import { buildServer } from './api/server.ts';
import { type Config, configSummary } from './config/index.ts';
import { EventBus } from './core/events.ts';
import type { Connector, Ledger, PolicyEngine, Readiness } from './core/types.ts';
import { Intake } from './intake/intake.ts';
import { createCheckoutStore } from './ledger/checkout-store.ts';
import {
  appsScriptOptions,
  credentialsFor,
  refundWebhookOptions,
  shopifyAdminOptions,
  shopifyMcpOptions,
} from './connector-wiring.ts';
import { createLedger } from './ledger/create.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { COMMAND_TYPES } from './contract/command.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { createPolicyEngine } from './policy/create.ts';
import { Poller } from './poller/poller.ts';
import { jobIdFor } from './sdk/queue.ts';

export interface DaemonHandle {
  readonly url: string;
  readonly killSwitch: KillSwitch;
  readonly bus: EventBus;
  readonly ledger: Ledger;
  readonly policy: PolicyEngine;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra connectors (the pipeline bench registers a no-op one). */
  readonly connectors?: readonly Connector[];
  readonly logger?: Logger;
}

/** Redis options for BullMQ from a redis:// URL. */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** Fails fast, naming REDIS_URL, when Redis does not answer. */
async function checkRedis(url: string): Promise<void> {
  const r = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    const where = new URL(url);
    throw new Error(
      `Redis did not answer at ${where.hostname}:${where.port || 6379} (REDIS_URL). Start Redis or set REDIS_URL. Cause: ${(err as Error).message}`,
    );
  } finally {
    r.disconnect();
  }
}

/**
 * Starts the daemon. Resolves once the HTTP API listens and the workers take jobs.
 *
 * @example
 * ```ts
 * const d = await startDaemon(loadConfig());
 * process.on('SIGTERM', () => d.stop());
 * ```
 */
export async function startDaemon(config: Config, opts: StartOptions = {}): Promise<DaemonHandle> {
  const logger = opts.logger ?? createLogger(config);
  logger.info({ config: configSummary(config) }, 'configuration');
  const bus = new EventBus((name, err) => logger.error({ err, event: name }, 'event subscriber failed'));
  await checkRedis(config.redisUrl);
  const connection = redisOptions(config.redisUrl);

  const ledger = await createLedger({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const applied = await ledger.migrate();
  if (applied.length > 0) logger.info({ applied }, 'ledger migrations applied');

  // Metrics listen before the policy loads, so its first `policy.loaded` sets the revision gauge.
  const metrics = createMetrics({ commandTypes: COMMAND_TYPES });
  metrics.attach(bus);
  registerJuryReportMetrics(metrics.registry, ledger, { windowDays: config.juryReportWindowDays });
  // Alerts are delivered through their own queue (log, Slack, PagerDuty, webhook); the log sink
  // writes every alert, and an alert that cannot be queued is logged at once instead.
  const alerts = createAlertService(config, { connection, registry: metrics.registry, logger });
  await alerts.ready();
  alerts.attach(bus);
  alerts.start();
  attachBreakerAlerts(bus, alerts, (err) =>
    logger.warn({ err: (err as Error).message }, 'could not resolve a circuit breaker incident'),
  );

  // Subscribed before the policy loads, so no policy alert is missed.
  const policy = await createPolicyEngine(config, bus, logger).catch(async (err: unknown) => {
    await alerts.close();
    throw err;
  });
  // Rate limits are shared by every replica through Redis; the client exists only when one is set.
  let rateLimitRedis: Redis | undefined;
  const sharedRedis = (): Redis => {
    if (!rateLimitRedis) {
      rateLimitRedis = new Redis({ ...connection, maxRetriesPerRequest: 1 });
      // A Redis outage is reported per call (the rate limit fails closed), not as a crash.
      rateLimitRedis.on('error', () => {});
    }
    return rateLimitRedis;
  };
  const credentials = credentialsFor(config);
  const wiring = { redis: sharedRedis, bus };
  const appsScript = appsScriptOptions(config, { ...wiring, credentials });
  const shopify = shopifyAdminOptions(config, wiring);
  const refunds = refundWebhookOptions(config, wiring);
  const connectors = createDefaultConnectors({
    ...(appsScript ? { appsScript } : {}),
    ...(shopify
      ? {
          checkout: {
            shopify,
            store: createCheckoutStore(ledger),
            sessions: ledger.sessions,
            ...(refunds ? { refunds } : {}),
          },
        }
      : {}),
    // Partners live in the ledger; with none enabled, DISCOVER_PRODUCTS ends NOT_CONFIGURED.
    // Each partner has its own breaker and rate limit (`shopify-mcp:<slug>`).
    discovery: { partners: ledger, bridge: shopifyMcpOptions(config, wiring) },
  });
  connectors.register(new SessionsConnector({ store: ledger.sessions }));
  for (const c of opts.connectors ?? []) connectors.register(c);

  const queues = new Map<string, Queue>();
  for (const name of config.queues) {
    queues.set(
      name,
      new Queue(name, {
        connection,
        defaultJobOptions: {
          attempts: config.jobAttempts,
          backoff: { type: 'exponential', delay: config.jobBackoffMs },
          removeOnComplete: { count: 10_000 },
          removeOnFail: false,
        },
      }),
    );
  }

  metrics.attach(bus, { queues: [...queues.values()] });
  bus.on('policy.reload_failed', (e) =>
    logger.error({ error: e.error, kept: e.keptRevision }, 'policy reload refused'),
  );
  bus.on('policy.loaded', (e) => logger.info({ revision: e.revision, engine: e.engine }, 'policy loaded'));

  // The jury is optional: without a panel, judge-bound commands wait for a person.
  const panel = config.juryPanel ? loadPanel(config.juryPanel) : undefined;
  if (panel) logger.info({ jurors: panel.jurors.map((j) => j.id), rule: panel.rule }, 'jury panel loaded');

  // The kill switch is read before the poller starts: no job runs before the gate knows the state.
  const killSwitch = await createKillSwitch(config, {
    connection,
    ledger,
    bus,
    queues,
    connectorOf: (type) => {
      try {
        return connectors.forType(type).name;
      } catch {
        return undefined;
      }
    },
    // A new job id per release: the action's earlier jobs may still be retained as completed.
    requeue: async (a, version) => {
      const queue = queues.get(a.queue) ?? queues.get(config.queues[0]!)!;
      await queue.add(
        a.commandType,
        { agent_id: a.agentId, command: a.command },
        { jobId: `${jobIdFor(a.agentId, a.actionId)}-held-v${version}` },
      );
    },
    onError: (what, err) => logger.warn({ err: (err as Error)?.message }, what),
  });
  registerControlMetrics(metrics.registry, {
    replica: killSwitch.replica,
    queues: [...queues.values()],
    ledger,
  });

  let poller: Poller | undefined;
  // The policy's history counts live in Redis: a lookup costs the same at any traffic, and every
  // replica sees the same counts.
  const historyRedis = new Redis({ ...connection, maxRetriesPerRequest: 1 });
  historyRedis.on('error', (err) => logger.warn({ err: err.message }, 'history store: Redis error'));
  const pipeline = new Pipeline({
    history: new RedisHistory(historyRedis, {
      windowMs: config.historyWindowMs,
      prefix: config.historyKeyPrefix,
    }),
    jury: panel ? (request) => runJury(panel, request) : undefined,
    juryShadow: config.juryShadow,
    ledger,
    policy,
    connectors,
    bus,
    historyWindowMs: config.historyWindowMs,
    maxCommandBytes: config.maxCommandBytes,
    maxStringLength: config.maxStringLength,
    deadLetter: (job) => poller!.deadLetter(job),
    gate: killSwitch.replica,
  });
  poller = new Poller(pipeline, {
    queues: config.queues,
    deadLetterQueue: config.deadLetterQueue,
    concurrency: config.workerConcurrency,
    lockMs: config.jobLockMs,
    connection,
    onError: (queue, err) => logger.warn({ queue, err: (err as Error)?.message }, 'job error'),
  });
  poller.start();
  // The dead-letter and alert queues have their own roles on the queue gauge, so alert rules
  // can watch them whatever they are named.
  const dlq = poller.deadLetterQueue;
  metrics.attach(bus, {
    queues: [
      { name: dlq.name, role: 'dead_letter', getJobCounts: () => dlq.getJobCounts() },
      { name: alerts.queueName, role: 'alerts', getJobCounts: () => alerts.getJobCounts() },
    ],
  });
  // Lapsed approvals end EXPIRED; every replica sweeps, and each move is a compare-and-set.
  const sweeper = setInterval(() => {
    pipeline
      .expireLapsedApprovals()
      .then((n) => n > 0 && logger.info({ expired: n }, 'lapsed approvals ended EXPIRED'))
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'approval sweep failed'));
  }, config.approvalSweepIntervalMs);
  sweeper.unref();
  await poller.ready();

  const intake = new Intake({
    ledger,
    queues,
    defaultQueue: config.queues[0]!,
    maxCommandBytes: config.maxCommandBytes,
    maxStringLength: config.maxStringLength,
    bus,
  });
  const readinessRedis = new Redis({ ...connection, lazyConnect: false });
  readinessRedis.on('error', () => {});
  const readiness: Readiness = {
    async check() {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      const run = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
        try {
          await Promise.race([
            fn(),
            new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2_000)),
          ]);
          checks[name] = { ok: true };
        } catch (err) {
          checks[name] = { ok: false, detail: (err as Error).message };
        }
      };
      await Promise.all([
        run('redis', () => readinessRedis.ping()),
        run('ledger', () => ledger.ping()),
        run('policy', async () => {
          if (!policy.revision) throw new Error('no policy loaded');
        }),
      ]);
      return {
        ok: Object.values(checks).every((c) => c.ok),
        checks,
        connectors: connectors.health(),
        policy: { revision: policy.revision ?? null, engine: policy.kind },
        kill_switch: switchView(killSwitch.replica),
      };
    },
  };

  // Per-agent request limits counted in Redis, shared by every replica.
  const rateLimitCounts = new Redis({ ...connection, maxRetriesPerRequest: 1 });
  rateLimitCounts.on('error', () => {});
  const app = await buildServer({
    rateLimitRedis: rateLimitCounts,
    intake,
    ledger,
    readiness,
    metrics,
    tokens: config.authTokens,
    bodyLimit: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    partners: ledger,
    eventsPollMs: config.actionEventsPollMs,
    approvals: {
      bus,
      grantTtlMs: config.approvalGrantTtlMs,
      policyRevision: () => policy.revision,
      // A new job id: the original job (same action) may still be retained as completed.
      // BullMQ job ids must not contain ':'.
      requeue: async (agentId, actionId) => {
        const a = await ledger.getAction(agentId, actionId);
        if (!a) return;
        const queue = queues.get(a.queue) ?? queues.get(config.queues[0]!)!;
        await queue.add(
          a.commandType,
          { agent_id: agentId, command: a.command, recorded: true },
          { jobId: `${jobIdFor(agentId, actionId)}-approved` },
        );
      },
    },
    sessions: ledger.sessions,
    control: killSwitch.control,
    alerts,
    logger,
  });
  const address = await app.listen({ port: config.port, host: config.host });
  logger.info(
    { url: address, ledger: ledger.kind, policy: policy.revision, queues: config.queues },
    'orchestrator started',
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('shutting down: no new jobs; finishing in-flight work');
      clearInterval(sweeper);
      await app.close();
      await poller!.stop(config.shutdownDeadlineMs);
      await killSwitch.stop();
      await Promise.all([...queues.values()].map((q) => q.close()));
      await alerts.close();
      readinessRedis.disconnect();
      historyRedis.disconnect();
      rateLimitCounts.disconnect();
      rateLimitRedis?.disconnect();
      await policy.close();
      await ledger.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url: address, killSwitch, bus, ledger, policy, stop };
}

/** What `/readyz` shows of this replica's kill switch (informational). */
function switchView(replica: KillSwitch['replica']): Record<string, unknown> {
  const st = replica.state;
  return {
    version: st?.version ?? null,
    master_halted: st?.master.halted ?? null,
    scoped_halts: st ? scopedHaltCount(st) : null,
    stale: replica.stale,
  };
}
