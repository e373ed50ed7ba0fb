/**
 * Alerts for circuit breakers: a connector's breaker opening is an incident (commands for that
 * peer now fail fast), and its closing again resolves it, so PagerDuty and the webhook see the
 * incident end without a person closing it. Each replica has its own breakers; the dedup key is
 * per connector, so replicas opening theirs at once page once.
 */
import type { EventBus } from '../core/events.ts';

/** The dedup key of a connector's breaker incident. */
export function breakerDedupKey(connector: string): string {
  return `circuit_breaker_open:${connector}`;
}

/**
 * Subscribes to the connectors' resilience events; returns the unsubscribe function.
 *
 * @example
 * ```ts
 * const detach = attachBreakerAlerts(bus, alerts);
 * ```
 */
export function attachBreakerAlerts(
  bus: EventBus,
  incidents: { resolve(dedupKey: string): Promise<unknown> },
  onError: (err: unknown) => void = () => {},
): () => void {
  const open = new Set<string>();
  return bus.on('connector.resilience', (e) => {
    if (e.type !== 'breaker') return;
    const dedupKey = breakerDedupKey(e.connector);
    if (e.state === 'open' && !open.has(e.connector)) {
      open.add(e.connector);
      bus.emit('alert', {
        kind: 'circuit_breaker_open',
        summary: `Circuit breaker of ${e.connector} opened: its commands fail fast without reaching the peer`,
        alert: { severity: 'high', teams: ['engineering', 'operations'] },
        details: { connector: e.connector, runbook: 'runbooks/open-circuit-breaker.md' },
        dedupKey,
      });
    } else if (e.state === 'closed' && open.delete(e.connector)) {
      // Half-open probes come and go; only a closed breaker ends the incident.
      incidents.resolve(dedupKey).catch(onError);
    }
  });
}
