/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): `trigger` with the alert's dedup key, and
 * `resolve` with the same key to close the incident. PagerDuty answers 202 for an accepted
 * event, 400 for an invalid one (final), 429 and 5xx when it wants the event again later.
 *
 * Our four severities map onto PagerDuty's four: critical → critical, high → error,
 * warning → warning, info → info.
 */
import { hostname } from 'node:os';
import type { Alert } from '../model.ts';
import { postJson, type Sink } from './types.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const PAGERDUTY_SEVERITY: Readonly<
  Record<Alert['severity'], 'critical' | 'error' | 'warning' | 'info'>
> = {
  critical: 'critical',
  high: 'error',
  warning: 'warning',
  info: 'info',
};

/** The `source` PagerDuty shows: which daemon raised it. */
const SOURCE = `mcp-orchestrator@${hostname()}`;

/**
 * The trigger event for one alert (without the routing key, which `createPagerDutySink` adds
 * at send time so it never sits in a queued job).
 *
 * @example
 * ```ts
 * pagerDutyTrigger(alert).payload.severity; // 'error' for a high alert
 * ```
 */
export function pagerDutyTrigger(alert: Alert): {
  event_action: 'trigger';
  dedup_key: string;
  client: string;
  payload: Record<string, unknown>;
} {
  const service = alert.details.service;
  return {
    event_action: 'trigger',
    dedup_key: alert.dedupKey,
    client: 'MCP Orchestrator',
    payload: {
      summary: alert.summary,
      source: SOURCE,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      timestamp: alert.createdAt,
      ...(typeof service === 'string' ? { component: service } : {}),
      ...(alert.teams.length > 0 ? { group: alert.teams.join(',') } : {}),
      class: alert.kind,
      custom_details: { ...alert.details, kind: alert.kind, severity: alert.severity, teams: alert.teams },
    },
  };
}

/**
 * The PagerDuty sink. `routingKey` is the 32-character integration key of an Events API v2
 * integration (a secret).
 *
 * @example
 * ```ts
 * const pd = createPagerDutySink({ routingKey, url: PAGERDUTY_EVENTS_URL, timeoutMs: 5_000 });
 * await pd.send(alert, signal);
 * await pd.resolve!(alert.dedupKey, signal);
 * ```
 */
export function createPagerDutySink(opts: {
  readonly routingKey: string;
  readonly url: string;
  readonly timeoutMs: number;
}): Sink {
  const post = (event: Record<string, unknown>, signal: AbortSignal) =>
    postJson(
      'pagerduty',
      opts.url,
      JSON.stringify({ routing_key: opts.routingKey, ...event }),
      {},
      { timeoutMs: opts.timeoutMs, signal },
    );
  return {
    name: 'pagerduty',
    send: (alert, signal) => post(pagerDutyTrigger(alert), signal),
    resolve: (dedupKey, signal) => post({ event_action: 'resolve', dedup_key: dedupKey }, signal),
  };
}
