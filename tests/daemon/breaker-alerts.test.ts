/**
 * A connector's breaker opening raises one alert per incident; its closing resolves the
 * incident (PagerDuty resolve) with the same dedup key. Fed by a real resilience layer whose
 * peer fails, not by hand-made events.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError, RetryableConnectorError } from '../../bridges/errors.ts';
import { createResilience } from '../../bridges/resilience/index.ts';
import { attachBreakerAlerts, breakerDedupKey } from '../../daemon/alerts/breaker-alerts.ts';
import { EventBus, type OrchestratorEvents } from '../../daemon/core/events.ts';

describe('circuit breaker alerts', () => {
  it('alerts once when the breaker opens and resolves the incident when it closes', async () => {
    const bus = new EventBus();
    const alerts: OrchestratorEvents['alert'][] = [];
    const resolved: string[] = [];
    bus.on('alert', (a) => alerts.push(a));
    attachBreakerAlerts(bus, { resolve: async (k) => void resolved.push(k) });
    const r = createResilience('peer-x', {
      retry: { attempts: 1 },
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 },
      onEvent: (e) => bus.emit('connector.resilience', e),
    });
    let up = false;
    const call = () =>
      r.execute(async () => {
        if (!up)
          throw new RetryableConnectorError({ connector: 'peer-x', code: 'HTTP_5XX', message: 'down' });
        return 'ok';
      });
    for (let i = 0; i < 4; i++) await call().catch((e: unknown) => expect(e).toBeInstanceOf(ConnectorError));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: 'circuit_breaker_open',
      alert: { severity: 'high' },
      details: { connector: 'peer-x' },
      dedupKey: breakerDedupKey('peer-x'),
    });
    expect(resolved).toEqual([]);
    up = true;
    await new Promise((res) => setTimeout(res, 150));
    expect(await call()).toBe('ok');
    expect(resolved).toEqual([breakerDedupKey('peer-x')]);
    expect(alerts).toHaveLength(1);
  });
});
