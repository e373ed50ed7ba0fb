/**
 * Every runbook step names a command that exists (issue 6, "Done when"): the commands in the
 * fenced blocks of `runbooks/*.md` are checked against package.json's scripts, the real
 * `orchestrator` commander program, and the routes of the real Fastify API built with every
 * route group (a real PGlite ledger for partners, sessions and approvals; a real kill switch on
 * Redis for `/v1/control/*`); every link and `runbooks/…` path resolves.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../daemon/cli/program.ts';
import { type KillSwitch, createKillSwitch } from '../../daemon/control/create.ts';
import { EventBus } from '../../daemon/core/events.ts';
import { createLedger } from '../../daemon/ledger/create.ts';
import { redisOptions } from '../../daemon/main.ts';
import { type ApiFixture, apiFixture } from '../support/api-fixture.ts';
import { randomName } from '../support/daemon-process.ts';
import { type RunbookWorld, checkRunbook, extractCommands } from '../support/runbook-check.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The files other parts of the repository (Prometheus rules, docs) link to. */
const REQUIRED = [
  'integration-management.md',
  'unauthorized-token-refresh.md',
  'policy-bypass.md',
  'pausing-and-halting.md',
  'releasing-after-halt.md',
  'approving-commands.md',
  'policy-changes.md',
  'open-circuit-breaker.md',
  'slow-pipeline.md',
];

const runbookFiles = readdirSync(join(ROOT, 'runbooks'))
  .filter((f) => f.endsWith('.md'))
  .sort();

describe('runbooks', () => {
  let dataDir: string;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let queue: Queue;
  let ks: KillSwitch;
  let f: ApiFixture;
  let world: RunbookWorld;
  const prefix = randomName('rb');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'runbooks-'));
    ledger = await createLedger({ databaseUrl: undefined, dataDir });
    await ledger.migrate();
    queue = new Queue(randomName('rbq'), { connection: redisOptions(REDIS_URL) });
    ks = await createKillSwitch(
      {
        killSwitchPrefix: prefix,
        killSwitchRefreshMs: 100,
        killSwitchStaleMs: 400,
        killSwitchAckTimeoutMs: 600,
        killSwitchTwoPerson: false,
        killSwitchReleaseRequestTtlMs: 60_000,
        killSwitchHeldSweepMs: 60_000,
        anomalyAutoPause: false,
        anomalyRefreshThreshold: 5,
        anomalyRefreshWindowMs: 600_000,
      },
      {
        connection: redisOptions(REDIS_URL),
        ledger,
        bus: new EventBus(),
        queues: new Map([[queue.name, queue]]),
        connectorOf: () => 'integrations',
        requeue: async () => {},
      },
    );
    f = apiFixture({
      ledger,
      partners: ledger,
      sessions: ledger.sessions,
      approvals: { policyRevision: () => undefined, requeue: async () => {} },
      control: ks.control,
      alerts: { retryFailed: async () => 0 },
    });
    const routes: { method: string; url: string }[] = [];
    f.app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) routes.push({ method: m.toUpperCase(), url: r.url });
    });
    await f.app.ready();
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    world = {
      scripts: new Set(Object.keys(pkg.scripts)),
      program: buildProgram(),
      routes,
      exists: (p) => existsSync(join(ROOT, p)),
      read: (p) => (existsSync(join(ROOT, p)) ? readFileSync(join(ROOT, p), 'utf8') : undefined),
    };
  }, 60_000);

  afterAll(async () => {
    await f?.close();
    await ks?.stop();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    // The switch state outlives the kill switch by design (it survives restarts): remove ours.
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await ledger?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('has the runbooks other files link to', () => {
    for (const name of REQUIRED) expect(runbookFiles, name).toContain(name);
  });

  it('sees every route group of the API', () => {
    // If a group were missing, a runbook naming its route would be reported as not existing.
    for (const [method, url] of [
      ['POST', '/v1/commands'],
      ['GET', '/v1/actions/:action_id'],
      ['GET', '/v1/approvals'],
      ['POST', '/v1/control/halt'],
      ['GET', '/v1/control/status'],
      ['GET', '/v1/admin/partners'],
      ['GET', '/readyz'],
      ['GET', '/metrics'],
    ] as const) {
      expect(f.app.hasRoute({ method, url }), `${method} ${url}`).toBe(true);
      expect(world.routes).toContainEqual({ method, url });
    }
  });

  it('docs/api.md lists every route the API serves, and no route it does not', () => {
    const table = readFileSync(join(ROOT, 'docs/api.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    const documented = new Set<string>();
    for (const row of table) {
      // `POST /v1/control/pause`, `/resume` names two routes; query strings are not part of one.
      const cell = row.split('|')[1] ?? '';
      const names = [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const first = /^(GET|POST|PUT|DELETE) (\S+)$/.exec(names[0] ?? '');
      if (!first) continue;
      const method = first[1]!;
      const base = first[2]!.split('?')[0]!;
      documented.add(`${method} ${base}`);
      for (const more of names.slice(1)) {
        const [m, path] = more.includes(' ') ? more.split(' ') : [method, more];
        const full =
          path!.startsWith('/v1/') || path === '/docs/json' ? path! : base.replace(/\/[^/]+$/, path!);
        documented.add(`${m} ${full.split('?')[0]}`);
      }
    }
    const served = new Set(
      world.routes
        .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs/') && r.url !== '/docs')
        .map((r) => `${r.method} ${r.url}`),
    );
    expect([...served].filter((r) => !documented.has(r)).sort(), 'served but not in docs/api.md').toEqual([]);
    expect(
      [...documented].filter((r) => !served.has(r) && !r.startsWith('GET /docs')).sort(),
      'in docs/api.md but not served',
    ).toEqual([]);
  });

  it.each(runbookFiles)('%s: every command and link exists', (file) => {
    const text = readFileSync(join(ROOT, 'runbooks', file), 'utf8');
    expect(extractCommands(text).length, 'a runbook gives commands to type').toBeGreaterThan(0);
    expect(checkRunbook(`runbooks/${file}`, text, world)).toEqual([]);
  });

  it('reports commands, options, routes and links that do not exist', () => {
    const bad = [
      '# Bad runbook',
      '',
      'See [the missing one](missing.md) and [a bad anchor](approving-commands.md#no-such-heading),',
      'and `runbooks/nowhere.md`.',
      '',
      '```sh',
      'npm run policy:tset',
      'npm run --silent orchestrator -- freeze --reason "x"',
      'npm run --silent orchestrator -- approvals grant a-1',
      'npm run --silent orchestrator -- halt --service google --reason "x"',
      'curl -sS -X POST "$ORCHESTRATOR_URL/v1/control/stop" \\',
      '  -H "Authorization: Bearer $ORCHESTRATOR_TOKEN" -d \'{"reason":"x"}\'',
      'curl -s -X DELETE "$ORCHESTRATOR_URL/v1/actions/a-1"',
      '```',
      '',
      '```console',
      '$ orchestrator stop --reason x',
      'HALTED master (this line is output, not a command)',
      '```',
    ].join('\n');
    const problems = checkRunbook('runbooks/bad.md', bad, world);
    expect(problems).toEqual([
      'runbooks/bad.md:7: npm run policy:tset: no such script in package.json',
      'runbooks/bad.md:8: orchestrator freeze: no such command',
      'runbooks/bad.md:9: orchestrator approvals grant: no such subcommand',
      'runbooks/bad.md:10: orchestrator halt: no option --service',
      'runbooks/bad.md:11: curl POST /v1/control/stop: the API serves no such route',
      'runbooks/bad.md:13: curl DELETE /v1/actions/a-1: the API serves no such route',
      'runbooks/bad.md:17: orchestrator stop: no such command',
      'runbooks/bad.md: link missing.md: runbooks/missing.md does not exist',
      'runbooks/bad.md: link approving-commands.md#no-such-heading: no heading #no-such-heading in runbooks/approving-commands.md',
      'runbooks/bad.md: path runbooks/nowhere.md does not exist',
    ]);
    // The same commands, spelled right, pass.
    const good = [
      '```sh',
      'npm run policy:test',
      'npm run --silent orchestrator -- approvals approve a-1 --reason "x"',
      'npm run --silent orchestrator -- halt --command-type REFRESH_TOKEN --reason "x"',
      'curl -sS -X POST "$ORCHESTRATOR_URL/v1/control/halt" -d \'{"reason":"x"}\'',
      'curl -s "$ORCHESTRATOR_URL/v1/actions/a-1"',
      '```',
    ].join('\n');
    expect(checkRunbook('runbooks/good.md', good, world)).toEqual([]);
  });
});
