/**
 * The speed baseline of `bench/policy.bench.ts`: `policies/orchestrator.rego` written by hand in
 * TypeScript. It computes the same decision (same action, risk, reasons and alert) for any
 * input, given the same `data.orchestrator.config`; the bench and
 * `tests/policy/shipped-policy.test.ts` check that it does.
 *
 * It is written the way one would write it for production (direct lookups, no allocations
 * beyond the result), so the ratio the bench prints is the price of expressing the policy in
 * Rego rather than code.
 */

export type Level = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Alert {
  severity: 'critical' | 'high' | 'warning';
  teams: string[];
}

export interface Decision {
  action: 'allow' | 'judge' | 'block';
  risk: Level;
  reasons: string[];
  alert: Alert | null;
}

export interface Escalation {
  param: string;
  above: number;
  risk: string;
}

/** `data.orchestrator.config` (policies/data.json). */
export interface OrchestratorConfig {
  risk_by_type: Record<string, string>;
  escalations: Record<string, Escalation[]>;
  manual_review: Record<string, string>;
  allowlists: Record<string, string[]>;
  refresh_storm: Record<string, number>;
  alerts: Record<string, Alert>;
}

const RISK_NAMES: readonly Level[] = ['LOW', 'MEDIUM', 'HIGH'];
const ACTIONS = ['allow', 'judge', 'block'] as const;
const RANK: Readonly<Record<string, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 2 };

const STORM_COUNTERS: readonly (readonly [
  label: string,
  scope: string,
  counter: string,
  threshold: string,
])[] = [
  ['service attempts', 'service', 'attempts_1h', 'service_attempts_1h'],
  ['service denials', 'service', 'denials_1h', 'denials_1h'],
  ['agent attempts', 'agent', 'attempts_1h', 'agent_attempts_1h'],
  ['agent denials', 'agent', 'denials_1h', 'denials_1h'],
];

const FALLBACK: Decision = {
  action: 'block',
  risk: 'HIGH',
  reasons: ['Policy could not assess this command (configuration incomplete); blocked by default.'],
  alert: { severity: 'high', teams: ['security'] },
};

type Obj = Record<string, unknown>;

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Own property only, as Rego reads objects (`constructor` is not a key of `{}`). */
function get(o: unknown, key: string): unknown {
  return isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

function rankOf(level: unknown): number | undefined {
  return typeof level === 'string' && Object.hasOwn(RANK, level) ? RANK[level] : undefined;
}

/** Numbers as OPA's sprintf `%v` prints them. */
function fmt(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** Rego's string order: by code point (UTF-8 byte order), not UTF-16 unit. */
function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const sx = x >= 0xd800 && x <= 0xdfff;
      const sy = y >= 0xd800 && y <= 0xdfff;
      if (sx !== sy) return sx ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

function sorted(reasons: Set<string>): string[] {
  return [...reasons].sort(compareStrings);
}

function malformedReasons(command: unknown): Set<string> {
  const out = new Set<string>();
  if (!isObject(command)) {
    out.add('Malformed input: command is missing or not an object.');
    return out;
  }
  if (typeof get(command, 'command_type') !== 'string') {
    out.add('Malformed input: command.command_type is missing or not a string.');
  }
  const params = get(command, 'params');
  if (params !== undefined && !isObject(params)) {
    out.add('Malformed input: command.params must be an object.');
  }
  const severity = get(command, 'severity');
  if (severity !== undefined && rankOf(severity) === undefined) {
    out.add('Malformed input: command.severity must be one of LOW, MEDIUM, HIGH, CRITICAL.');
  }
  return out;
}

/**
 * Decides what to do with one command, exactly as `data.orchestrator.decision` does.
 *
 * @example
 * ```ts
 * decide({ command: { command_type: 'REFRESH_TOKEN', params: { service: 'gmail' } } }, config).action; // 'judge'
 * ```
 */
export function decide(input: unknown, config: OrchestratorConfig): Decision {
  const alerts = get(config, 'alerts') as Record<string, Alert> | undefined;
  const command = get(input, 'command');

  const malformed = malformedReasons(command);
  if (malformed.size > 0) {
    const alert = get(alerts, 'malformed_input') as Alert | undefined;
    if (alert === undefined) return FALLBACK;
    return { action: 'block', risk: 'HIGH', reasons: sorted(malformed), alert };
  }

  const cmd = command as Obj;
  const type = cmd.command_type as string;
  const tableLevel = get(get(config, 'risk_by_type'), type);
  const tableRank = rankOf(tableLevel);
  if (tableRank === undefined) {
    const alert = get(alerts, 'unknown_command_type') as Alert | undefined;
    if (alert === undefined) return FALLBACK;
    return { action: 'block', risk: 'HIGH', reasons: [`Unknown command type: ${type}`], alert };
  }

  const reasons = new Set<string>();
  const params = get(cmd, 'params');

  // Parameter escalations.
  let computed = tableRank;
  const escalations = get(get(config, 'escalations'), type);
  if (Array.isArray(escalations)) {
    for (const e of escalations as Escalation[]) {
      const value = get(params, e.param);
      if (value === undefined) continue;
      if (typeof value === 'number') {
        if (value <= e.above) continue;
        reasons.add(
          `${type} params.${e.param} ${fmt(value)} is above ${fmt(e.above)}: risk raised to ${e.risk}.`,
        );
      } else {
        reasons.add(`${type} params.${e.param} is not a number: risk raised to ${e.risk}.`);
      }
      const r = rankOf(e.risk);
      if (r !== undefined && r > computed) computed = r;
    }
  }

  // Findings that force a block.
  const manual = get(get(config, 'manual_review'), type);
  const manualReview = manual !== undefined && manual !== false;

  const allowed = get(get(config, 'allowlists'), type);
  const agentId = get(get(input, 'agent'), 'id');
  const notAllowlisted = allowed !== undefined && !(Array.isArray(allowed) && allowed.includes(agentId));

  const storm: string[] = [];
  if (type === 'REFRESH_TOKEN') {
    const history = get(get(input, 'context'), 'history');
    const thresholds = get(config, 'refresh_storm');
    for (const [label, scope, counter, key] of STORM_COUNTERS) {
      const n = get(get(history, scope), counter);
      const limit = get(thresholds, key);
      if (typeof n === 'number' && typeof limit === 'number' && n >= limit) {
        storm.push(
          `Refresh storm: ${label} in the last hour (${fmt(n)}) reached the threshold (${fmt(limit)}).`,
        );
      }
    }
  }

  const declaredRaw = get(cmd, 'severity');
  const declared = declaredRaw === undefined ? 0 : (rankOf(declaredRaw) ?? 0);
  const forced = manualReview || notAllowlisted || storm.length > 0 ? 2 : 0;
  const risk = Math.max(computed, declared, forced);

  // Reasons.
  if (manualReview) reasons.add(manual as string);
  else reasons.add(`Command type ${type} is ${tableLevel as string} risk (risk table).`);
  if (declared > computed) {
    reasons.add(
      `Declared severity ${declaredRaw as string} is above the computed risk ${RISK_NAMES[computed]}.`,
    );
  }
  if (notAllowlisted) {
    const label = typeof agentId === 'string' ? agentId : '(no agent id)';
    reasons.add(`Agent ${label} is not on the allowlist for ${type}.`);
  }
  for (const s of storm) reasons.add(s);

  // Alert: the first finding in precedence order whose alert is configured.
  let alert: Alert | null = null;
  const pick = (key: string): Alert | undefined => get(alerts, key) as Alert | undefined;
  if (storm.length > 0 && pick('refresh_storm')) alert = pick('refresh_storm')!;
  else if (manualReview && pick('manual_review')) alert = pick('manual_review')!;
  else if (notAllowlisted && pick('not_allowlisted')) alert = pick('not_allowlisted')!;
  else if (risk === 2 && pick('high_risk')) alert = pick('high_risk')!;

  return { action: ACTIONS[risk]!, risk: RISK_NAMES[risk]!, reasons: sorted(reasons), alert };
}
