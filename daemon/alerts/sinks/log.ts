/**
 * The log sink: every alert as one pino line (`critical`/`high` at error level, the rest at
 * warn), with the whole alert under `alert`. It is always configured and every alert is routed
 * to it, so the log is the complete record of what was raised.
 */
import type { Logger } from 'pino';
import type { Sink } from './types.ts';

/**
 * @example
 * ```ts
 * const log = createLogSink(logger);
 * await log.send(alert, signal); // {"level":50,"alert":{…},"msg":"ALERT high: Blocked …"}
 * ```
 */
export function createLogSink(logger: Logger): Sink {
  return {
    name: 'log',
    async send(alert) {
      const level = alert.severity === 'critical' || alert.severity === 'high' ? 'error' : 'warn';
      logger[level]({ alert }, `ALERT ${alert.severity}: ${alert.summary}`);
    },
    async resolve(dedupKey) {
      logger.info({ alert: { dedupKey, resolved: true } }, `ALERT resolved: ${dedupKey}`);
    },
  };
}
