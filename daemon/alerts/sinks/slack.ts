/**
 * Slack incoming webhook: one message per alert, in Block Kit — a header (severity and kind),
 * the summary, a section of fields (severity, agent, service, action id, command type, teams)
 * and a context line with the dedup key. `text` is the fallback shown in notifications.
 *
 * Agent-chosen values (agent id, service, action id) are escaped for mrkdwn, so an agent cannot
 * make an alert ping `<!channel>` or render a misleading link.
 */
import type { Alert } from '../model.ts';
import { postJson, type Sink } from './types.ts';

/** Slack's limits: header text 150 characters, section text 3000, field text 2000, 10 fields. */
const HEADER_MAX = 150;
const TEXT_MAX = 3_000;
const FIELD_MAX = 2_000;

const ICON: Readonly<Record<Alert['severity'], string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

/** mrkdwn control characters, as Slack documents: `&`, `<` and `>`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function shown(v: unknown): string {
  return typeof v === 'string' && v !== '' ? escapeMrkdwn(v) : '_unknown_';
}

/**
 * The webhook body for one alert.
 *
 * @example
 * ```ts
 * slackMessage(alert).blocks[0]; // { type: 'header', text: { type: 'plain_text', text: ':red_circle: HIGH: blocked', emoji: true } }
 * ```
 */
export function slackMessage(alert: Alert): { text: string; blocks: Record<string, unknown>[] } {
  const d = alert.details;
  const field = (label: string, value: string) => ({
    type: 'mrkdwn',
    text: cut(`*${label}*\n${value}`, FIELD_MAX),
  });
  return {
    text: cut(`[${alert.severity.toUpperCase()}] ${alert.summary}`, TEXT_MAX),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: cut(`${ICON[alert.severity]} ${alert.severity.toUpperCase()}: ${alert.kind}`, HEADER_MAX),
          emoji: true,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(alert.summary), TEXT_MAX) } },
      {
        type: 'section',
        fields: [
          field('Severity', alert.severity),
          field('Agent', shown(d.agent)),
          field('Service', shown(d.service)),
          field('Action id', shown(d.action_id)),
          field('Command type', shown(d.command_type)),
          field('Teams', alert.teams.length > 0 ? escapeMrkdwn(alert.teams.join(', ')) : '_none_'),
        ],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: cut(`dedup key: \`${escapeMrkdwn(alert.dedupKey)}\``, FIELD_MAX) },
          { type: 'mrkdwn', text: `raised ${alert.createdAt}` },
        ],
      },
    ],
  };
}

/**
 * The Slack sink. `url` is the incoming webhook URL (a secret: it is the credential).
 *
 * @example
 * ```ts
 * const slack = createSlackSink({ url: config.slackWebhookUrl, timeoutMs: 5_000 });
 * await slack.send(alert, AbortSignal.timeout(10_000));
 * ```
 */
export function createSlackSink(opts: { readonly url: string; readonly timeoutMs: number }): Sink {
  return {
    name: 'slack',
    send: (alert, signal) =>
      postJson(
        'slack',
        opts.url,
        JSON.stringify(slackMessage(alert)),
        {},
        { timeoutMs: opts.timeoutMs, signal },
      ),
  };
}
