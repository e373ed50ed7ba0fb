/**
 * Routing rules: which sinks receive an alert, by its kind, severity and teams. Rules come from
 * `ALERT_ROUTES` (a JSON array) and are checked at start-up; an alert goes to the union of the
 * sinks of every rule it matches, and always to the log, so no alert is ever routed nowhere.
 *
 * This module is pure (no config, no I/O) so the config schema can use it to validate.
 */
import { z } from 'zod';
import { ALERT_KIND_PATTERN, ALERT_SEVERITIES, type Alert } from './model.ts';

export const SINK_NAMES = ['log', 'slack', 'pagerduty', 'webhook'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** The variable that configures each sink other than the log (which is always there). */
export const SINK_VARIABLES: Readonly<Record<Exclude<SinkName, 'log'>, string>> = {
  slack: 'SLACK_WEBHOOK_URL',
  pagerduty: 'PAGERDUTY_ROUTING_KEY',
  webhook: 'ALERT_WEBHOOK_URL',
};

/** One rule. An absent matcher matches everything; `all` in `sinks` means every configured sink. */
export interface AlertRoute {
  readonly kinds?: readonly string[] | undefined;
  readonly severities?: readonly (typeof ALERT_SEVERITIES)[number][] | undefined;
  readonly teams?: readonly string[] | undefined;
  readonly sinks: readonly (SinkName | 'all')[];
}

const RouteSchema = z.strictObject({
  kinds: z
    .array(z.string().regex(ALERT_KIND_PATTERN, 'must be an alert kind such as "blocked"'))
    .min(1)
    .optional(),
  severities: z.array(z.enum(ALERT_SEVERITIES)).min(1).optional(),
  teams: z.array(z.string().min(1).max(64)).min(1).optional(),
  sinks: z.array(z.enum([...SINK_NAMES, 'all'])).min(1),
});

/**
 * The rules in force when `ALERT_ROUTES` is unset. Sinks that are not configured are skipped.
 * Blocked commands and everything critical or high go everywhere (the issue's "high priority
 * to security and engineering"); commands waiting for a person go to Slack, the operations
 * channel; the log gets everything anyway.
 */
export const DEFAULT_ROUTES: readonly AlertRoute[] = [
  { kinds: ['blocked'], sinks: ['all'] },
  { severities: ['critical', 'high'], sinks: ['all'] },
  { kinds: ['needs_approval'], sinks: ['slack'] },
];

/**
 * Parses `ALERT_ROUTES`. Returns the rules, or the problems, each naming the rule (1-based) and
 * the field.
 *
 * @example
 * ```ts
 * parseRoutes('[{"kinds":["blocked"],"sinks":["pagerduty","slack"]}]'); // { ok: true, routes: [...] }
 * parseRoutes('[{"kinds":["blocked"],"sinks":["email"]}]');
 * // { ok: false, problems: ['rule 1: sinks[0]: must be one of log, slack, pagerduty, webhook, all (got "email")'] }
 * ```
 */
export function parseRoutes(
  text: string,
): { ok: true; routes: AlertRoute[] } | { ok: false; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problems: [`must be a JSON array of rules (${(err as Error).message})`] };
  }
  if (!Array.isArray(value)) return { ok: false, problems: ['must be a JSON array of rules'] };
  const problems: string[] = [];
  const routes: AlertRoute[] = [];
  value.forEach((rule, i) => {
    const r = RouteSchema.safeParse(rule);
    if (r.success) {
      routes.push(r.data);
      return;
    }
    for (const issue of r.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      const field = path.replace(/^\./, '') || '(rule)';
      const got = issueValue(rule, issue.path);
      problems.push(`rule ${i + 1}: ${field}: ${enumMessage(issue) ?? issue.message}${got}`);
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, routes };
}

function enumMessage(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'invalid_value') return undefined;
  return `must be one of ${issue.values.map(String).join(', ')}`;
}

/** The offending value for the message; routes hold no secrets, so they can be echoed. */
function issueValue(rule: unknown, path: readonly PropertyKey[]): string {
  let v: unknown = rule;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  if (typeof v !== 'string') return '';
  return ` (got ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
}

/**
 * Problems with rules that name a sink that is not configured (a typo in the environment would
 * otherwise silently drop pages).
 */
export function unconfiguredSinkProblems(
  routes: readonly AlertRoute[],
  configured: ReadonlySet<SinkName>,
): string[] {
  const problems: string[] = [];
  routes.forEach((r, i) => {
    for (const s of r.sinks) {
      if (s === 'all' || s === 'log' || configured.has(s)) continue;
      problems.push(`rule ${i + 1}: sink "${s}" is not configured (set ${SINK_VARIABLES[s]})`);
    }
  });
  return problems;
}

function matches(rule: AlertRoute, alert: Pick<Alert, 'kind' | 'severity' | 'teams'>): boolean {
  if (rule.kinds && !rule.kinds.includes(alert.kind)) return false;
  if (rule.severities && !rule.severities.includes(alert.severity)) return false;
  if (rule.teams && !rule.teams.some((t) => alert.teams.includes(t))) return false;
  return true;
}

/**
 * The sinks an alert goes to: the log, plus the configured sinks of every matching rule, in
 * `SINK_NAMES` order.
 *
 * @example
 * ```ts
 * route({ kind: 'blocked', severity: 'high', teams: ['security'] }, DEFAULT_ROUTES, new Set(['log', 'slack']));
 * // ['log', 'slack']
 * ```
 */
export function route(
  alert: Pick<Alert, 'kind' | 'severity' | 'teams'>,
  routes: readonly AlertRoute[],
  configured: ReadonlySet<SinkName>,
): SinkName[] {
  const out = new Set<SinkName>(['log']);
  for (const rule of routes) {
    if (!matches(rule, alert)) continue;
    for (const s of rule.sinks) {
      if (s === 'all') for (const c of configured) out.add(c);
      else if (configured.has(s)) out.add(s);
    }
  }
  return SINK_NAMES.filter((s) => out.has(s));
}
