/**
 * Observability artefacts checked against reality (issue 6 item 7): the alerting rules pass
 * `promtool check rules` and their unit tests; a real daemon process, after commands went
 * through its policy, jury, connectors and alert delivery, serves a scrape that passes
 * `promtool check metrics` and matches the catalogue (docs/metrics.md) family for family,
 * type for type and label for label; every metric the rules and the dashboard use exists; the
 * generated dashboard and doc are up to date.
 *
 * promtool comes from Debian's `prometheus` package; `.ci/run` installs it. Without it these
 * tests fail, saying so, rather than skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../../daemon/main.ts';
import { METRIC_CATALOGUE } from '../../daemon/metrics-catalogue.ts';
import { renderDashboardFile } from '../../scripts/gen-dashboard.ts';
import { METRICS_DOC_PATH, PENDING_METRICS, renderMetricsDoc } from '../../scripts/gen-metrics-doc.ts';
import {
  baseName,
  DASHBOARD_PATH,
  loadRules,
  metricUses,
  ROOT,
  RULES_PATH,
} from '../../scripts/promql-metrics.ts';
import { startAppsScriptStandIn } from '../support/apps-script-standin.ts';
import { type DaemonProcess, eventually, randomName, startDaemonProcess } from '../support/daemon-process.ts';
import type { HttpStandIn } from '../support/http-standin.ts';
import { startOpenAIStandIn } from '../support/openai-standin.ts';
import { startSlackStandIn } from '../support/slack-standin.ts';

const RULES_TEST_PATH = resolve(ROOT, 'deploy/prometheus/orchestrator-rules.test.yml');
/** Runbooks the rules may point at before they are written (none today: every one exists). */
const PLANNED_RUNBOOKS = new Set<string>([]);
/** Grafana's reference to the dashboard's datasource variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's syntax, not a JS template
const DATASOURCE_VAR = '${datasource}';
/** Written by Prometheus itself, not the daemon. */
const PROMETHEUS_OWN = new Set(['up']);

/** Runs promtool; fails with how to install it when it is missing. */
function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'promtool is not installed: install Debian\'s "prometheus" package ' +
        '(apt-get install -y --no-install-recommends prometheus); .ci/run does this in CI',
    );
  }
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Metric families of a text exposition: name → type, and name → label names seen on samples. */
function parseScrape(text: string): { types: Map<string, string>; labels: Map<string, Set<string>> } {
  const types = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) {
      types.set(type[1], type[2]);
      labels.set(type[1], new Set());
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? /.exec(line);
    if (!sample?.[1]) throw new Error(`unparseable sample line: ${line}`);
    const family = baseName(sample[1], types);
    const set = labels.get(family);
    if (!set) throw new Error(`sample ${sample[1]} without a # TYPE line`);
    for (const m of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) {
      if (m[1] !== 'le' && m[1] !== 'quantile') set.add(m[1]!);
    }
  }
  return { types, labels };
}

describe('alerting rules', () => {
  it('pass promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES_PATH]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status, r.out).toBe(0);
  });

  it('fire as their unit tests say (promtool test rules)', () => {
    const r = promtool(['test', 'rules', RULES_TEST_PATH]);
    expect(r.status, r.out).toBe(0);
  });

  it('each has a severity, a summary, a description and a runbook that exists or is planned', () => {
    const rules = loadRules().groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const r of rules) {
      expect(r.alert, JSON.stringify(r)).toMatch(/^Orchestrator[A-Za-z]+$/);
      expect(['critical', 'high', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
      expect(r.annotations?.description, r.alert).toBeTruthy();
      const runbook = r.annotations?.runbook_url ?? '';
      expect(runbook, r.alert).toMatch(/^runbooks\/[a-z0-9-]+\.md$/);
      expect(
        existsSync(resolve(ROOT, runbook)) || PLANNED_RUNBOOKS.has(runbook),
        `${r.alert}: ${runbook}`,
      ).toBe(true);
    }
  });

  it('cover what on-call needs: one rule per concern', () => {
    const names = loadRules()
      .groups.flatMap((g) => g.rules)
      .map((r) => r.alert);
    for (const n of [
      'OrchestratorDown',
      'OrchestratorCommandsBlockedSpike',
      'OrchestratorNeedsApprovalBacklog',
      'OrchestratorPolicyReloadFailed',
      'OrchestratorPolicyEvalSlow',
      'OrchestratorConnectorBreakerOpen',
      'OrchestratorConnectorErrorRatioHigh',
      'OrchestratorJuryUnavailable',
      'OrchestratorJuryCostBurn',
      'OrchestratorAlertSinkDown',
      'OrchestratorDeadLetterGrowing',
      'OrchestratorQueueBacklogGrowing',
      'OrchestratorPollerPaused',
      'OrchestratorMasterSwitchHalted',
    ]) {
      expect(names).toContain(n);
    }
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
    uid: string;
    schemaVersion: number;
    templating: { list: { name: string; type: string; query: unknown }[] };
    panels: {
      id: number;
      type: string;
      title: string;
      datasource?: { uid: string };
      targets?: { expr: string; refId: string; datasource: { uid: string } }[];
    }[];
  };

  it('is what scripts/gen-dashboard.ts renders (regenerate with `npm run dashboard`)', () => {
    expect(readFileSync(DASHBOARD_PATH, 'utf8')).toBe(renderDashboardFile());
  });

  it('is a dashboard model on a Prometheus datasource variable, with unique panel ids', () => {
    expect(dashboard.uid).toBe('mcp-orchestrator');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const data = dashboard.panels.filter((p) => p.type !== 'row');
    expect(data.length).toBeGreaterThanOrEqual(15);
    for (const p of data) {
      expect(p.datasource?.uid, p.title).toBe(DATASOURCE_VAR);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource.uid, p.title).toBe(DATASOURCE_VAR);
    }
    const titles = data.map((p) => p.title);
    for (const t of [
      'Throughput by status',
      'Decisions by action and risk',
      'Stage latency p50 / p99',
      'Policy evaluation latency',
      'Jury outcomes and votes',
      'Jury latency',
      'Jury cost per hour',
      'Connector requests by code',
      'Connector latency p50 / p99',
      'Circuit breakers',
      'Alert deliveries',
      'Queue depth',
      'Kill switch state',
    ]) {
      expect(titles).toContain(t);
    }
  });
});

describe('docs/metrics.md', () => {
  it('is what scripts/gen-metrics-doc.ts renders (regenerate with `npm run docs:metrics`)', () => {
    expect(readFileSync(METRICS_DOC_PATH, 'utf8')).toBe(renderMetricsDoc());
  });

  it('documents each metric once', () => {
    const names = METRIC_CATALOGUE.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('a real scrape of a real daemon', () => {
  const AGENT = 'agent-token-observability-0123456789';
  const SECRET = 'standin-secret-observability-0123456';
  const TERMINAL = ['SUCCESS', 'FAILED', 'BLOCKED', 'REJECTED', 'NEEDS_APPROVAL'];
  let daemon: DaemonProcess;
  let bridge: Awaited<ReturnType<typeof startAppsScriptStandIn>>;
  let llm: Awaited<ReturnType<typeof startOpenAIStandIn>>;
  let slack: HttpStandIn;
  let dataDir: string;
  const alertQueue = randomName('obs-alerts');
  const commandQueue = randomName('obs');
  const deadQueue = randomName('obs-dead');
  let scrape = '';

  const send = async (actionId: string, commandType: string, params: Record<string, unknown>) => {
    const r = await fetch(`${daemon.url}/v1/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_id: actionId, command_type: commandType, params }),
    });
    expect(r.status, await r.text()).toBe(202);
    return eventually(async () => {
      const a = await fetch(`${daemon.url}/v1/actions/${actionId}`, {
        headers: { authorization: `Bearer ${AGENT}` },
      });
      const body = (await a.json()) as { status: string };
      return TERMINAL.includes(body.status) ? body.status : undefined;
    });
  };

  beforeAll(async () => {
    [bridge, llm, slack] = await Promise.all([
      startAppsScriptStandIn({ secret: SECRET }),
      startOpenAIStandIn(),
      startSlackStandIn(),
    ]);
    dataDir = mkdtempSync(join(tmpdir(), 'orch-obs-'));
    daemon = await startDaemonProcess({
      DATA_DIR: dataDir,
      ORCHESTRATOR_QUEUES: commandQueue,
      DEAD_LETTER_QUEUE: deadQueue,
      ALERT_QUEUE: alertQueue,
      ORCHESTRATOR_AUTH_TOKENS: `agent:agent-obs:${AGENT}`,
      APPS_SCRIPT_URL: bridge.url,
      APPS_SCRIPT_SECRET: SECRET,
      SLACK_WEBHOOK_URL: slack.url,
      POLICY_WATCH: 'false',
      JURY_PANEL: 'judges/panel.json',
      ...Object.fromEntries(
        ['SECURITY', 'COMPLIANCE', 'BUSINESS'].flatMap((j) => [
          [`JURY_${j}_BASE_URL`, llm.baseUrl],
          [`JURY_${j}_API_KEY`, `test-key-${j.toLowerCase()}`],
        ]),
      ),
    });
    // Allowed and executed, judged and executed, blocked with an alert delivered to Slack.
    expect(await send('obs-check-1', 'CHECK_INTEGRATION_STATUS', { service: 'google' })).toBe('SUCCESS');
    expect(await send('obs-refresh-1', 'REFRESH_TOKEN', { service: 'google' })).toBe('SUCCESS');
    expect(await send('obs-connect-1', 'CONNECT_INTEGRATION', { service: 'chatwoot' })).toBe('BLOCKED');
    await eventually(async () => (slack.accepted().length >= 1 ? true : undefined));
    scrape = await eventually(async () => {
      const text = await (await fetch(`${daemon.url}/metrics`)).text();
      return /orchestrator_alert_deliveries_total\{[^}]*sink="slack"[^}]*outcome="delivered"/.test(text)
        ? text
        : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await Promise.all([bridge?.close(), llm?.close(), slack?.close()]);
    const connection = redisOptions('redis://127.0.0.1:6379');
    for (const name of [alertQueue, commandQueue, deadQueue]) {
      const q = new Queue(name, { connection });
      await q.obliterate({ force: true });
      await q.close();
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('has series from every part the commands went through', () => {
    for (const pattern of [
      /orchestrator_commands_total\{command_type="CHECK_INTEGRATION_STATUS",status="SUCCESS"\} 1/,
      /orchestrator_commands_total\{command_type="CONNECT_INTEGRATION",status="BLOCKED"\} 1/,
      /orchestrator_policy_decisions_total\{command_type="REFRESH_TOKEN",action="judge"/,
      /orchestrator_jury_outcomes_total\{outcome="approve"\} 1/,
      /orchestrator_connector_requests_total\{connector="[^"]+",code="ok"\} [1-9]/,
      /orchestrator_alerts_total\{kind="blocked",severity="(high|critical)"\} 1/,
      new RegExp(`orchestrator_queue_jobs\\{queue="${deadQueue}",role="dead_letter",state="waiting"\\} 0`),
      new RegExp(`orchestrator_queue_jobs\\{queue="${alertQueue}",role="alerts",state="[a-z-]+"\\}`),
      new RegExp(
        `orchestrator_queue_jobs\\{queue="${commandQueue}",role="commands",state="completed"\\} [1-9]`,
      ),
      /orchestrator_http_requests_total\{method="POST",route="\/v1\/commands",status="202"\} 3/,
    ]) {
      expect(scrape).toMatch(pattern);
    }
  });

  it('passes promtool check metrics', () => {
    const r = promtool(['check', 'metrics'], scrape);
    expect(r.out.trim(), 'promtool check metrics findings').toBe('');
    expect(r.status, r.out).toBe(0);
  });

  it('matches the catalogue: every family documented, every documented family exposed, same type and labels', () => {
    const { types, labels } = parseScrape(scrape);
    const catalogue = new Map(METRIC_CATALOGUE.map((e) => [e.name, e]));
    const undocumented = [...types.keys()].filter((n) => !catalogue.has(n));
    expect(undocumented, 'exposed but not in daemon/metrics-catalogue.ts').toEqual([]);
    const missing = [...catalogue.keys()].filter((n) => !types.has(n));
    expect(missing, 'in daemon/metrics-catalogue.ts but not exposed').toEqual([]);
    for (const [name, type] of types) {
      const entry = catalogue.get(name)!;
      expect(type, name).toBe(entry.type);
      const seen = labels.get(name) ?? new Set();
      const documented = Object.keys(entry.labels).sort();
      for (const l of seen) expect(documented, `${name} has label ${l}`).toContain(l);
      // A family with samples carries exactly its documented labels.
      if (seen.size > 0) expect([...seen].sort(), name).toEqual(documented);
    }
  });

  it('has every metric the rules and the dashboard use (kill switch metrics pending, up from Prometheus)', () => {
    const { types } = parseScrape(scrape);
    const pending = new Set(Object.keys(PENDING_METRICS));
    const unknown = metricUses()
      .map((u) => ({ ...u, family: baseName(u.metric, types) }))
      .filter((u) => !types.has(u.family) && !pending.has(u.family) && !PROMETHEUS_OWN.has(u.family));
    expect(unknown, 'used by a rule or panel but not exposed').toEqual([]);
    // The pending ones really are still pending: once the kill switch exports them, they move
    // into the catalogue and out of PENDING_METRICS.
    for (const name of pending) expect(types.has(name), `${name} is exposed now: catalogue it`).toBe(false);
  });
});
