/**
 * A PagerDuty Events API v2 stand-in: `POST /v2/enqueue`. It checks what PagerDuty checks —
 * a 32-character `routing_key`; `event_action` trigger, acknowledge or resolve; `dedup_key` of
 * at most 255 characters (required to acknowledge or resolve); for a trigger, `payload.summary`
 * (at most 1024), `payload.source` and `payload.severity` (critical, error, warning, info) —
 * and answers like PagerDuty: `202 {"status":"success","message":"Event processed",
 * "dedup_key":…}` or `400 {"status":"invalid event","message":"Event object is invalid",
 * "errors":[…]}`. It keeps the incidents it opened and closed, by dedup key.
 */
import { randomBytes } from 'node:crypto';
import { type Answer, type HttpStandIn, startHttpStandIn } from './http-standin.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export interface PagerDutyStandIn extends HttpStandIn {
  /** Incident state per dedup key: triggered (open) or resolved. */
  readonly incidents: ReadonlyMap<string, 'triggered' | 'resolved'>;
  /** The routing key this integration accepts. */
  readonly routingKey: string;
}

/**
 * @example
 * ```ts
 * const pd = await startPagerDutyStandIn();
 * // PAGERDUTY_EVENTS_URL=pd.url PAGERDUTY_ROUTING_KEY=pd.routingKey
 * ```
 */
export async function startPagerDutyStandIn(): Promise<PagerDutyStandIn> {
  const routingKey = randomBytes(16).toString('hex');
  const incidents = new Map<string, 'triggered' | 'resolved'>();
  const invalid = (errors: string[]): Answer => ({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }),
    problem: errors.join('; '),
  });
  const s = await startHttpStandIn('/v2/enqueue', (req): Answer => {
    const e = req.body;
    if (!isObj(e)) return invalid(['Event object is not an object']);
    const errors: string[] = [];
    if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) {
      errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    }
    const action = e.event_action;
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') {
      errors.push("'event_action' is invalid (must be one of trigger, acknowledge, resolve)");
    }
    if (e.dedup_key !== undefined && (typeof e.dedup_key !== 'string' || e.dedup_key.length > 255)) {
      errors.push("'dedup_key' must be a string of at most 255 characters");
    }
    if (action !== 'trigger' && typeof e.dedup_key !== 'string') errors.push("'dedup_key' is required");
    if (action === 'trigger') {
      const p = e.payload;
      if (!isObj(p)) errors.push("'payload' is missing");
      else {
        if (typeof p.summary !== 'string' || p.summary.length === 0 || p.summary.length > 1_024) {
          errors.push("'payload.summary' is missing or longer than 1024");
        }
        if (typeof p.source !== 'string' || p.source.length === 0) errors.push("'payload.source' is missing");
        if (!SEVERITIES.includes(String(p.severity))) errors.push("'payload.severity' is invalid");
        if (p.custom_details !== undefined && !isObj(p.custom_details)) {
          errors.push("'payload.custom_details' must be an object");
        }
      }
    }
    if (errors.length > 0) return invalid(errors);
    // A well-formed event for another integration is refused as PagerDuty does: 400.
    if (e.routing_key !== routingKey) return invalid(['Invalid routing key']);
    const dedupKey = typeof e.dedup_key === 'string' ? e.dedup_key : randomBytes(16).toString('hex');
    if (action === 'trigger') incidents.set(dedupKey, 'triggered');
    if (action === 'resolve' && incidents.has(dedupKey)) incidents.set(dedupKey, 'resolved');
    return {
      status: 202,
      contentType: 'application/json',
      body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: dedupKey }),
    };
  });
  return Object.assign(s, { incidents, routingKey });
}
