/**
 * The alert model: what a person must hear about, in one validated shape that every sink
 * renders. Alerts are built from the bus's `alert` events (see `alertFromEvent`) and travel
 * through the delivery queue as JSON, so the same zod schema checks them when they are raised
 * and again when a worker takes them off the queue (anything with Redis access can write
 * there).
 *
 * The dedup key says "this is the same incident": the same alert raised twice inside the dedup
 * window is delivered once per sink, and PagerDuty groups trigger and resolve events by it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { OrchestratorEvents } from '../core/events.ts';

export const ALERT_SEVERITIES = ['critical', 'high', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Most urgent first; a lower index is more urgent. */
const RANK: Readonly<Record<AlertSeverity, number>> = { critical: 0, high: 1, warning: 2, info: 3 };

/** The more urgent of two severities. */
export function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return RANK[a] <= RANK[b] ? a : b;
}

export const ALERT_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;
const TEAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** PagerDuty accepts dedup keys up to 255 characters. */
export const MAX_DEDUP_KEY = 255;
/** PagerDuty's `payload.summary` limit. */
export const MAX_SUMMARY = 1_024;
/** Serialized details; an alert is a page, not a data dump, and it sits in Redis per sink. */
export const MAX_DETAILS_BYTES = 8_192;

const idText = z.string().min(1).max(256);

/**
 * Details: the well-known fields (who asked for what) plus anything else the emitter adds.
 * `null` means "known to be absent" (a command without a service), a missing key "not known".
 */
export const AlertDetailsSchema = z
  .looseObject({
    service: idText.nullable().optional(),
    agent: idText.nullable().optional(),
    action_id: idText.nullable().optional(),
    command_type: idText.nullable().optional(),
  })
  .refine((d) => Buffer.byteLength(JSON.stringify(d), 'utf8') <= MAX_DETAILS_BYTES, {
    message: `must serialize to at most ${MAX_DETAILS_BYTES} bytes`,
  });
export type AlertDetails = z.output<typeof AlertDetailsSchema>;

export const AlertSchema = z.strictObject({
  kind: z.string().regex(ALERT_KIND_PATTERN, 'must be 1 to 64 characters of a-z, 0-9, "_", "." or "-"'),
  severity: z.enum(ALERT_SEVERITIES),
  summary: z.string().min(1).max(MAX_SUMMARY),
  details: AlertDetailsSchema,
  teams: z.array(z.string().regex(TEAM_PATTERN, 'must be a team name')).max(16),
  dedupKey: z.string().min(1).max(MAX_DEDUP_KEY),
  createdAt: z.iso.datetime(),
});
/** One validated alert. */
export type Alert = z.output<typeof AlertSchema>;

/** What a caller gives to raise an alert; `dedupKey` and `createdAt` are filled in when absent. */
export type AlertInput = Omit<Alert, 'dedupKey' | 'createdAt'> & {
  readonly dedupKey?: string | undefined;
  readonly createdAt?: string | undefined;
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The default dedup key: kind, agent, service and action id, `-` for what is unknown. An alert
 * about none of those (a policy reload failure) adds a hash of its summary, so two different
 * problems are not folded into one page.
 *
 * @example
 * ```ts
 * defaultDedupKey('blocked', { agent: 'agent-7', service: 'shopify', action_id: 'r-1' });
 * // 'blocked:agent-7:shopify:r-1'
 * ```
 */
export function defaultDedupKey(
  kind: string,
  details: Readonly<Record<string, unknown>>,
  summary = '',
): string {
  const agent = str(details.agent);
  const service = str(details.service);
  const actionId = str(details.action_id);
  const parts = [kind, agent ?? '-', service ?? '-', actionId ?? '-'];
  if (!agent && !service && !actionId) {
    parts.push(createHash('sha256').update(summary).digest('hex').slice(0, 16));
  }
  const key = parts.join(':');
  // Agent-chosen ids are bounded, but four of them can still exceed PagerDuty's limit.
  return key.length <= MAX_DEDUP_KEY ? key : `${kind}:${createHash('sha256').update(key).digest('hex')}`;
}

/** Thrown by `createAlert` for an input that does not fit the model; names the field and why. */
export class InvalidAlertError extends Error {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  constructor(issues: readonly { path: string; message: string }[]) {
    super(`invalid alert: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidAlertError';
    this.issues = issues;
  }
}

/** Validates `value` as an alert; throws `InvalidAlertError` naming each bad field. */
export function parseAlert(value: unknown): Alert {
  const r = AlertSchema.safeParse(value);
  if (r.success) return r.data;
  throw new InvalidAlertError(
    r.error.issues.map((i) => ({ path: i.path.join('.') || '(alert)', message: i.message })),
  );
}

/**
 * Builds and validates an alert; fills in the default dedup key and the creation time.
 *
 * @example
 * ```ts
 * const a = createAlert({
 *   kind: 'blocked', severity: 'high', summary: 'Blocked REFRESH_TOKEN for service shopify',
 *   details: { agent: 'agent-7', service: 'shopify', action_id: 'r-1', command_type: 'REFRESH_TOKEN' },
 *   teams: ['security', 'engineering'],
 * });
 * a.dedupKey; // 'blocked:agent-7:shopify:r-1'
 * ```
 */
export function createAlert(input: AlertInput, now: () => Date = () => new Date()): Alert {
  return parseAlert({
    ...input,
    teams: [...input.teams],
    dedupKey: input.dedupKey ?? defaultDedupKey(input.kind, input.details, input.summary),
    createdAt: input.createdAt ?? now().toISOString(),
  });
}

/**
 * Minimums per kind that hold whatever the emitter (or the policy) said. Security must hear
 * about every blocked command with high priority, together with engineering; a policy that
 * marks a block as a mere warning does not lower that.
 */
export const KIND_FLOORS: Readonly<
  Record<string, { readonly severity: AlertSeverity; readonly teams: readonly string[] }>
> = {
  blocked: { severity: 'high', teams: ['security', 'engineering'] },
};

/** Summary text cut to PagerDuty's limit (with an ellipsis) rather than refused. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const WELL_KNOWN = ['service', 'agent', 'action_id', 'command_type'] as const;

/**
 * What is kept of an event that does not fit the model, so that it still pages: the well-known
 * details (cut to their limit), valid team names, a kind and dedup key that fit, and what was
 * wrong. An alert is never dropped for its shape.
 */
function salvage(input: AlertInput, error: InvalidAlertError, now?: () => Date): Alert {
  const details: Record<string, unknown> = {};
  for (const k of WELL_KNOWN) {
    const v = input.details[k];
    if (typeof v === 'string' && v !== '') details[k] = v.slice(0, 256);
    else if (v === null) details[k] = null;
  }
  details.invalid = error.message.slice(0, 2_000);
  const kind = ALERT_KIND_PATTERN.test(input.kind) ? input.kind : 'invalid_alert';
  return createAlert(
    {
      kind,
      severity: (ALERT_SEVERITIES as readonly string[]).includes(input.severity) ? input.severity : 'high',
      summary: clip(input.summary || `alert of kind ${kind} without a summary`, MAX_SUMMARY),
      details: details as AlertDetails,
      teams: input.teams.filter((t) => TEAM_PATTERN.test(t)).slice(0, 16),
    },
    now,
  );
}

/**
 * Turns a bus `alert` event into an alert: applies the kind's floor, fills the well-known
 * details from the event when the emitter put them elsewhere, and validates. An event that does
 * not fit (oversized details, a team name with spaces) still becomes an alert, with what was
 * wrong under `details.invalid`.
 *
 * @example
 * ```ts
 * bus.on('alert', (e) => service.raise(alertFromEvent(e)));
 * ```
 */
export function alertFromEvent(e: OrchestratorEvents['alert'], now?: () => Date): Alert {
  const floor = KIND_FLOORS[e.kind];
  const severity = floor ? maxSeverity(e.alert.severity, floor.severity) : e.alert.severity;
  const teams = [...new Set([...e.alert.teams, ...(floor?.teams ?? [])])];
  const details: Record<string, unknown> = { ...e.details };
  if (details.action_id === undefined && e.actionId !== undefined) details.action_id = e.actionId;
  const input: AlertInput = {
    kind: e.kind,
    severity,
    summary: clip(e.summary, MAX_SUMMARY),
    details: details as AlertDetails,
    teams,
    dedupKey: e.dedupKey,
  };
  try {
    return createAlert(input, now);
  } catch (err) {
    if (!(err instanceof InvalidAlertError)) throw err;
    return salvage(input, err, now);
  }
}
