/**
 * Prometheus series of the connectors' resilience layer, fed by `connector.resilience` events:
 * requests and errors by connector and code, attempt and call latency, breaker state, rate-limit
 * waits and refusals. Labels come from the connector guard and a closed set of codes.
 *
 * @example
 * ```ts
 * const observe = createConnectorMetrics([registry], connectorGuard);
 * bus.on('connector.resilience', observe);
 * ```
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CONNECTOR_ERROR_CODES } from '../bridges/errors.ts';
import type { ResilienceEvent } from '../bridges/resilience/events.ts';

/** Envelope codes (bridges/errors.ts) plus `ok`; anything else is reported as `other`. */
const CODES: ReadonlySet<string> = new Set(['ok', ...CONNECTOR_ERROR_CODES]);

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Registers the series and returns the event handler.
 *
 * @example
 * ```ts
 * const observe = createConnectorMetrics([registry], { value: (s) => s });
 * observe({ type: 'call', connector: 'apps-script', code: 'ok', ms: 120, attempts: 1 });
 * ```
 */
export function createConnectorMetrics(
  registers: Registry[],
  connectorGuard: { value(raw: string): string },
): (e: ResilienceEvent) => void {
  const requests = new Counter({
    name: 'orchestrator_connector_requests_total',
    help: 'Connector calls (after retries) by connector and outcome code (ok or the error envelope code).',
    labelNames: ['connector', 'code'] as const,
    registers,
  });
  const attempts = new Counter({
    name: 'orchestrator_connector_attempts_total',
    help: 'Connector attempts (each retry counts) by connector and outcome code.',
    labelNames: ['connector', 'code'] as const,
    registers,
  });
  const callSeconds = new Histogram({
    name: 'orchestrator_connector_request_duration_seconds',
    help: 'Connector call latency, retries and waits included.',
    labelNames: ['connector'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const attemptSeconds = new Histogram({
    name: 'orchestrator_connector_attempt_duration_seconds',
    help: 'Latency of one connector attempt.',
    labelNames: ['connector'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const breaker = new Gauge({
    name: 'orchestrator_connector_breaker_state',
    help: 'Circuit breaker state per connector: 0 closed, 1 half-open, 2 open.',
    labelNames: ['connector'] as const,
    registers,
  });
  const waits = new Histogram({
    name: 'orchestrator_connector_rate_limit_wait_seconds',
    help: 'Time calls waited for a slot of the shared rate limit.',
    labelNames: ['connector'] as const,
    buckets: WAIT_BUCKETS,
    registers,
  });
  const refusals = new Counter({
    name: 'orchestrator_connector_rate_limit_refusals_total',
    help: 'Calls refused by the shared rate limit (no slot within the maximum wait).',
    labelNames: ['connector'] as const,
    registers,
  });
  const code = (c: string): string => (CODES.has(c) ? c : 'other');

  return (e) => {
    const connector = connectorGuard.value(e.connector);
    switch (e.type) {
      case 'call':
        requests.inc({ connector, code: code(e.code) });
        callSeconds.observe({ connector }, e.ms / 1000);
        break;
      case 'attempt':
        attempts.inc({ connector, code: code(e.code) });
        attemptSeconds.observe({ connector }, e.ms / 1000);
        break;
      case 'breaker':
        breaker.set({ connector }, STATE_VALUE[e.state]);
        break;
      case 'rate_limit':
        if (e.refused) refusals.inc({ connector });
        else waits.observe({ connector }, e.waitMs / 1000);
        break;
    }
  };
}
