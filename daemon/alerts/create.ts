/**
 * Builds the alert service from the configuration: the log sink always, Slack, PagerDuty and
 * the webhook when their variables are set, the routing rules from `ALERT_ROUTES` (or the
 * built-in ones), and the queue settings.
 */
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { AlertService } from './service.ts';
import { createLogSink } from './sinks/log.ts';
import { createPagerDutySink } from './sinks/pagerduty.ts';
import { createSlackSink } from './sinks/slack.ts';
import type { Sink } from './sinks/types.ts';
import { createWebhookSink } from './sinks/webhook.ts';

/** The sinks the configuration asks for, the log first. */
export function sinksFromConfig(config: Config, logger: Logger): Sink[] {
  const timeoutMs = config.alertSinkTimeoutMs;
  const sinks: Sink[] = [createLogSink(logger)];
  if (config.slackWebhookUrl) sinks.push(createSlackSink({ url: config.slackWebhookUrl, timeoutMs }));
  if (config.pagerdutyRoutingKey) {
    sinks.push(
      createPagerDutySink({
        routingKey: config.pagerdutyRoutingKey,
        url: config.pagerdutyEventsUrl,
        timeoutMs,
      }),
    );
  }
  if (config.alertWebhookUrl && config.alertWebhookSecret) {
    sinks.push(
      createWebhookSink({ url: config.alertWebhookUrl, secret: config.alertWebhookSecret, timeoutMs }),
    );
  }
  return sinks;
}

/**
 * @example
 * ```ts
 * const alerts = createAlertService(config, { connection, registry: metrics.registry, logger });
 * await alerts.ready();
 * alerts.attach(bus);
 * alerts.start();
 * ```
 */
export function createAlertService(
  config: Config,
  deps: { readonly connection: RedisOptions; readonly registry: Registry; readonly logger: Logger },
): AlertService {
  return new AlertService({
    connection: deps.connection,
    queueName: config.alertQueue,
    sinks: sinksFromConfig(config, deps.logger),
    routes: config.alertRoutes,
    dedupWindowMs: config.alertDedupWindowMs,
    attempts: config.alertAttempts,
    backoffMs: config.alertBackoffMs,
    backoffMaxMs: config.alertBackoffMaxMs,
    registry: deps.registry,
    logger: deps.logger,
  });
}
