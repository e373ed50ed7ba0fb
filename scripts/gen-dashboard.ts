/**
 * Generates the Grafana dashboard `deploy/grafana/orchestrator-dashboard.json` (Grafana's
 * dashboard JSON model, schemaVersion 39) from the panel list below, so panels stay uniform
 * (one Prometheus datasource variable, the same instance filter, `$__rate_interval`).
 *
 *   npx node scripts/gen-dashboard.ts      (npm run dashboard)
 *
 * `tests/daemon/observability.test.ts` fails when the committed file differs from the output.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DASHBOARD_PATH } from './promql-metrics.ts';

// A Grafana variable reference, not a JS template: Grafana fills in the chosen datasource.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's syntax
const DS = { type: 'prometheus', uid: '${datasource}' } as const;
/** Every expression selects this: the scrape job of the rules, and the chosen replicas. */
const S = 'job="orchestrator",instance=~"$instance"';
const RATE = '[$__rate_interval]';

interface Target {
  readonly expr: string;
  readonly legend: string;
}
interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly targets: readonly Target[];
  /** `stat` for current state (kill switch, breakers); timeseries otherwise. */
  readonly kind?: 'timeseries' | 'stat';
  /** Value → text for stat panels. */
  readonly mappings?: Readonly<Record<string, { text: string; color: string }>>;
  readonly width?: number;
}
interface RowSpec {
  readonly row: string;
  readonly panels: readonly PanelSpec[];
}

const t = (expr: string, legend: string): Target => ({ expr, legend });
const rate = (metric: string, by: string, extra = ''): string =>
  `sum by (${by}) (rate(${metric}{${S}${extra}}${RATE}))`;
const quantiles = (metric: string, by: string, extra = ''): Target[] =>
  [0.5, 0.99].map((q) =>
    t(
      `histogram_quantile(${q}, sum by (le${by ? `, ${by}` : ''}) (rate(${metric}_bucket{${S}${extra}}${RATE})))`,
      `${by ? `{{${by}}} ` : ''}p${q * 100}`,
    ),
  );
const ONOFF = { '0': { text: 'off', color: 'green' }, '1': { text: 'ON', color: 'red' } };

const ROWS: readonly RowSpec[] = [
  {
    row: 'Kill switch',
    panels: [
      {
        title: 'Kill switch state',
        description:
          'Poller paused (no replica takes commands) and master switch halted (no connector call starts). Depends on the kill switch metrics.',
        unit: 'none',
        kind: 'stat',
        mappings: ONOFF,
        targets: [
          t(`max(orchestrator_poller_paused{${S}})`, 'poller paused'),
          t(`max(orchestrator_kill_switch_master_halted{${S}})`, 'master switch halted'),
        ],
      },
      {
        title: 'Replicas up',
        description: 'Replicas Prometheus can scrape.',
        unit: 'none',
        kind: 'stat',
        targets: [t(`sum(up{${S}})`, 'up')],
      },
    ],
  },
  {
    row: 'Commands and pipeline',
    panels: [
      {
        title: 'Throughput by status',
        description: 'Commands reaching each status per second (QUEUED = intake).',
        unit: 'ops',
        targets: [t(rate('orchestrator_commands_total', 'status'), '{{status}}')],
      },
      {
        title: 'Decisions by action and risk',
        description: 'Policy decisions per second.',
        unit: 'ops',
        targets: [t(rate('orchestrator_policy_decisions_total', 'action, risk'), '{{action}} {{risk}}')],
      },
      {
        title: 'Stage latency p50 / p99',
        description: 'Time per pipeline stage; total = taken to terminal status.',
        unit: 's',
        targets: quantiles('orchestrator_stage_duration_seconds', 'stage'),
      },
    ],
  },
  {
    row: 'Policy',
    panels: [
      {
        title: 'Policy evaluation latency',
        description: 'Time to decide one command (compiled Rego: tens of microseconds).',
        unit: 's',
        targets: quantiles('orchestrator_policy_eval_seconds', ''),
      },
      {
        title: 'Policy reload failures',
        description: 'Policy edits refused; the last good revision kept running.',
        unit: 'short',
        targets: [
          t(`sum(increase(orchestrator_policy_reload_failures_total{${S}}${RATE}))`, 'refused edits'),
        ],
      },
      {
        title: 'Policy revision in force',
        description: 'One series per engine and revision; replicas should agree.',
        unit: 'none',
        kind: 'stat',
        targets: [
          t(`max by (engine, revision) (orchestrator_policy_revision_info{${S}})`, '{{engine}} {{revision}}'),
        ],
      },
    ],
  },
  {
    row: 'Jury',
    panels: [
      {
        title: 'Jury outcomes and votes',
        description: 'Panel outcomes and juror votes per second.',
        unit: 'ops',
        targets: [
          t(rate('orchestrator_jury_outcomes_total', 'outcome'), 'panel {{outcome}}'),
          t(rate('orchestrator_jury_votes_total', 'vote'), 'vote {{vote}}'),
        ],
      },
      {
        title: 'Jury latency',
        description: 'Whole panel p50/p99 and per-juror p99.',
        unit: 's',
        targets: [
          ...quantiles('orchestrator_jury_duration_seconds', ''),
          t(
            `histogram_quantile(0.99, sum by (le, juror) (rate(orchestrator_juror_duration_seconds_bucket{${S}}${RATE})))`,
            '{{juror}} p99',
          ),
        ],
      },
      {
        title: 'Jury cost per hour',
        description: 'Estimated USD spent by jurors over the last hour.',
        unit: 'currencyUSD',
        targets: [t(`sum by (juror) (increase(orchestrator_jury_cost_usd_total{${S}}[1h]))`, '{{juror}}')],
      },
      {
        title: 'Jury agreement with people',
        description: 'Agreement, kappa and override rate over JURY_REPORT_WINDOW_DAYS.',
        unit: 'percentunit',
        targets: [
          t(`max(orchestrator_jury_agreement_ratio{${S}})`, 'agreement'),
          t(`max(orchestrator_jury_cohen_kappa{${S}})`, 'kappa'),
          t(`max(orchestrator_jury_override_ratio{${S}})`, 'override'),
        ],
      },
    ],
  },
  {
    row: 'Connectors',
    panels: [
      {
        title: 'Connector requests by code',
        description: 'Calls after retries per second, by connector and outcome code.',
        unit: 'ops',
        targets: [
          t(rate('orchestrator_connector_requests_total', 'connector, code'), '{{connector}} {{code}}'),
        ],
      },
      {
        title: 'Connector error ratio',
        description: 'Share of calls ending with an error code.',
        unit: 'percentunit',
        targets: [
          t(
            `${rate('orchestrator_connector_requests_total', 'connector', ',code!="ok"')} / ${rate('orchestrator_connector_requests_total', 'connector')}`,
            '{{connector}}',
          ),
        ],
      },
      {
        title: 'Connector latency p50 / p99',
        description: 'Call latency, retries and rate-limit waits included.',
        unit: 's',
        targets: quantiles('orchestrator_connector_request_duration_seconds', 'connector'),
      },
      {
        title: 'Circuit breakers',
        description: 'Breaker state per connector (worst replica).',
        unit: 'none',
        kind: 'stat',
        mappings: {
          '0': { text: 'closed', color: 'green' },
          '1': { text: 'half-open', color: 'orange' },
          '2': { text: 'OPEN', color: 'red' },
        },
        targets: [t(`max by (connector) (orchestrator_connector_breaker_state{${S}})`, '{{connector}}')],
      },
      {
        title: 'Rate limit',
        description: 'Calls refused by the shared rate limit, and p99 wait for a slot.',
        unit: 'short',
        targets: [
          t(rate('orchestrator_connector_rate_limit_refusals_total', 'connector'), '{{connector}} refused/s'),
          t(
            `histogram_quantile(0.99, sum by (le, connector) (rate(orchestrator_connector_rate_limit_wait_seconds_bucket{${S}}${RATE})))`,
            '{{connector}} wait p99 (s)',
          ),
        ],
      },
    ],
  },
  {
    row: 'Alerts',
    panels: [
      {
        title: 'Alerts raised',
        description: 'Alerts per second by kind and severity.',
        unit: 'ops',
        targets: [t(rate('orchestrator_alerts_total', 'kind, severity'), '{{kind}} {{severity}}')],
      },
      {
        title: 'Alert deliveries',
        description: 'Delivery attempts by sink and outcome; retried/failed without delivered = sink down.',
        unit: 'ops',
        targets: [
          t(rate('orchestrator_alert_deliveries_total', 'sink, outcome'), '{{sink}} {{outcome}}'),
          t(rate('orchestrator_alert_duplicates_suppressed_total', 'sink'), '{{sink}} suppressed'),
          t(`sum(rate(orchestrator_alert_enqueue_failures_total{${S}}${RATE}))`, 'not queued (log only)'),
        ],
      },
      {
        title: 'Alert delivery latency p99',
        description: 'From raised to accepted by the sink, retries included.',
        unit: 's',
        targets: [
          t(
            `histogram_quantile(0.99, sum by (le, sink) (rate(orchestrator_alert_delivery_seconds_bucket{${S}}${RATE})))`,
            '{{sink}}',
          ),
        ],
      },
    ],
  },
  {
    row: 'Queues',
    panels: [
      {
        title: 'Queue depth',
        description: 'Jobs by queue and state (queues are shared: max over replicas).',
        unit: 'short',
        width: 16,
        targets: [
          t(
            `max by (queue, role, state) (orchestrator_queue_jobs{${S},state=~"waiting|active|delayed|prioritized|paused|failed"})`,
            '{{role}} {{queue}} {{state}}',
          ),
        ],
      },
      {
        title: 'Queue read failures',
        description: 'Scrapes where Redis did not answer for a queue.',
        unit: 'short',
        targets: [
          t(`sum by (queue) (increase(orchestrator_queue_collect_failures_total{${S}}${RATE}))`, '{{queue}}'),
        ],
      },
    ],
  },
  {
    row: 'HTTP and process',
    panels: [
      {
        title: 'HTTP requests',
        description: 'API answers per second by route and status.',
        unit: 'reqps',
        targets: [t(rate('orchestrator_http_requests_total', 'route, status'), '{{route}} {{status}}')],
      },
      {
        title: 'CPU and memory',
        description: 'CPU cores used and resident memory per replica.',
        unit: 'short',
        targets: [
          t(`rate(process_cpu_seconds_total{${S}}${RATE})`, '{{instance}} cpu'),
          t(`process_resident_memory_bytes{${S}} / 1e9`, '{{instance}} rss GB'),
        ],
      },
      {
        title: 'Event loop lag p99',
        description: 'A lagging event loop delays every command and scrape.',
        unit: 's',
        targets: [t(`nodejs_eventloop_lag_p99_seconds{${S}}`, '{{instance}}')],
      },
    ],
  },
];

type Json = Record<string, unknown>;

function panel(spec: PanelSpec, id: number, gridPos: Json): Json {
  const kind = spec.kind ?? 'timeseries';
  const mappings = spec.mappings
    ? [
        {
          type: 'value',
          options: Object.fromEntries(
            Object.entries(spec.mappings).map(([k, v]) => [k, { ...v, index: Number(k) }]),
          ),
        },
      ]
    : [];
  return {
    id,
    type: kind,
    title: spec.title,
    description: spec.description,
    datasource: DS,
    gridPos,
    fieldConfig: { defaults: { unit: spec.unit, mappings }, overrides: [] },
    options:
      kind === 'stat'
        ? {
            reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
            colorMode: 'background',
            textMode: 'value_and_name',
            graphMode: 'none',
          }
        : {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi', sort: 'desc' },
          },
    targets: spec.targets.map((tg, i) => ({
      datasource: DS,
      expr: tg.expr,
      legendFormat: tg.legend,
      refId: String.fromCharCode(65 + i),
    })),
  };
}

/**
 * The dashboard model.
 *
 * @example
 * ```ts
 * (renderDashboard().templating as { list: { name: string }[] }).list[0]?.name; // 'datasource'
 * ```
 */
export function renderDashboard(): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.row,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    for (const spec of row.panels) {
      const w = spec.width ?? (spec.kind === 'stat' ? 6 : 8);
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      panels.push(panel(spec, id++, { h: 8, w, x, y }));
      x += w;
    }
    y += 8;
  }
  return {
    annotations: { list: [] },
    description:
      'MCP Orchestrator: commands, policy, jury, connectors, alerts, queues, kill switch. Generated by scripts/gen-dashboard.ts.',
    editable: true,
    graphTooltip: 1,
    links: [],
    panels,
    refresh: '30s',
    schemaVersion: 39,
    tags: ['orchestrator'],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        {
          name: 'instance',
          label: 'Replica',
          type: 'query',
          datasource: DS,
          definition: 'label_values(up{job="orchestrator"}, instance)',
          query: { query: 'label_values(up{job="orchestrator"}, instance)', refId: 'instance' },
          includeAll: true,
          allValue: '.*',
          multi: true,
          current: { selected: true, text: ['All'], value: ['$__all'] },
          refresh: 2,
          sort: 1,
          hide: 0,
          options: [],
        },
      ],
    },
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    title: 'MCP Orchestrator',
    uid: 'mcp-orchestrator',
    version: 1,
  };
}

/** The file's text: the model, pretty-printed, newline-terminated. */
export function renderDashboardFile(): string {
  return `${JSON.stringify(renderDashboard(), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(DASHBOARD_PATH, renderDashboardFile());
  console.log(`wrote ${fileURLToPath(pathToFileURL(DASHBOARD_PATH))}`);
}
