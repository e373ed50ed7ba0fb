/**
 * Which metrics the alerting rules and the Grafana dashboard use: reads
 * `deploy/prometheus/orchestrator-rules.yml` and `deploy/grafana/orchestrator-dashboard.json`
 * and pulls the metric names out of their PromQL. The metrics catalogue doc shows them as
 * "used by", and the observability test checks each one is a metric the daemon exposes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..');
export const RULES_PATH = resolve(ROOT, 'deploy/prometheus/orchestrator-rules.yml');
export const DASHBOARD_PATH = resolve(ROOT, 'deploy/grafana/orchestrator-dashboard.json');

/** PromQL words that look like metric names but are not. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * Metric names referenced by a PromQL expression (Grafana `$variables` allowed). Strings, label
 * matchers, ranges, grouping label lists and function names are skipped; histogram series
 * suffixes are kept (`…_bucket`), see {@link baseName}.
 *
 * @example
 * ```ts
 * metricNames('sum by (le) (rate(orchestrator_stage_duration_seconds_bucket{stage="total"}[5m]))');
 * // → ['orchestrator_stage_duration_seconds_bucket']
 * ```
 */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/#.*$/gm, '')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\$\{[^}]*\}|\$\w+/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, '');
  const names = new Set<string>();
  for (const match of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const before = s[match.index - 1];
    // `1e3`, `0.5`: part of a number, not a name.
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    if (
      s
        .slice(match.index + word.length)
        .trimStart()
        .startsWith('(')
    )
      continue; // a function
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/**
 * The metric family a series name belongs to: `x_bucket`, `x_sum`, `x_count` → `x` when `x` is
 * a histogram or summary among `families`.
 *
 * @example
 * ```ts
 * baseName('a_seconds_bucket', new Map([['a_seconds', 'histogram']])); // 'a_seconds'
 * ```
 */
export function baseName(name: string, families: ReadonlyMap<string, string>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m?.[1] && ['histogram', 'summary'].includes(families.get(m[1]) ?? '')) return m[1];
  return name;
}

export interface MetricUse {
  /** `alert OrchestratorDown` or `panel Throughput by status`. */
  readonly where: string;
  readonly metric: string;
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}

/**
 * The alerting rules as written.
 *
 * @example
 * ```ts
 * loadRules().groups[0]?.rules[0]?.alert; // 'OrchestratorDown'
 * ```
 */
export function loadRules(path = RULES_PATH): RulesFile {
  return parse(readFileSync(path, 'utf8')) as RulesFile;
}

interface DashboardPanel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: DashboardPanel[];
}

/**
 * Every metric use in the rules and the dashboard.
 *
 * @example
 * ```ts
 * metricUses().find((u) => u.metric === 'up')?.where; // 'alert OrchestratorDown'
 * ```
 */
export function metricUses(rulesPath = RULES_PATH, dashboardPath = DASHBOARD_PATH): MetricUse[] {
  const uses: MetricUse[] = [];
  for (const g of loadRules(rulesPath).groups) {
    for (const r of g.rules) {
      const where = r.alert ? `alert ${r.alert}` : `record ${r.record}`;
      for (const metric of metricNames(r.expr)) uses.push({ where, metric });
    }
  }
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { panels: DashboardPanel[] };
  const visit = (p: DashboardPanel): void => {
    for (const t of p.targets ?? []) {
      for (const metric of metricNames(t.expr)) uses.push({ where: `panel ${p.title}`, metric });
    }
    for (const child of p.panels ?? []) visit(child);
  };
  for (const p of dashboard.panels) visit(p);
  return uses;
}
