/**
 * Delivery metrics of the alert queue, registered in the daemon's registry (`metrics.registry`).
 * Alerts raised by kind and severity are `orchestrator_alerts_total`, counted from the bus in
 * daemon/metrics.ts; these say what happened to them afterwards. Every label comes from a
 * closed set (sink names, outcomes), so none can grow without bound.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { SinkName } from './routes.ts';

export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

export interface AlertMetrics {
  delivery(sink: SinkName, action: 'trigger' | 'resolve', outcome: DeliveryOutcome): void;
  /** Seconds from the alert's creation to the sink accepting it. */
  latency(sink: SinkName, seconds: number): void;
  suppressed(sink: SinkName): void;
  enqueueFailed(): void;
}

/** Seconds; a healthy sink answers in well under a second, an outage stretches to hours. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600];

/**
 * @example
 * ```ts
 * const m = createAlertMetrics(metrics.registry);
 * m.delivery('slack', 'trigger', 'delivered');
 * ```
 */
export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const deliveries = new Counter({
    name: 'orchestrator_alert_deliveries_total',
    help: 'Alert delivery attempts by sink, action (trigger|resolve) and outcome (delivered; retried: the sink was unavailable and the job will try again; failed: rejected by the sink or out of attempts).',
    labelNames: ['sink', 'action', 'outcome'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'orchestrator_alert_delivery_seconds',
    help: 'Time from an alert being raised to a sink accepting it, retries included.',
    labelNames: ['sink'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const suppressed = new Counter({
    name: 'orchestrator_alert_duplicates_suppressed_total',
    help: 'Alerts not delivered to a sink because the same dedup key was delivered there within ALERT_DEDUP_WINDOW_MS.',
    labelNames: ['sink'] as const,
    registers,
  });
  const enqueueFailures = new Counter({
    name: 'orchestrator_alert_enqueue_failures_total',
    help: 'Alerts that could not be queued for delivery (Redis unavailable); they were written to the daemon log instead.',
    registers,
  });
  return {
    delivery: (sink, action, outcome) => deliveries.inc({ sink, action, outcome }),
    latency: (sink, seconds) => latency.observe({ sink }, Math.max(0, seconds)),
    suppressed: (sink) => suppressed.inc({ sink }),
    enqueueFailed: () => enqueueFailures.inc(),
  };
}
