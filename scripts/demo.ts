/**
 * `npm run demo` — submits the three runbook commands (runbooks/integration-management.md) to a
 * running daemon and prints each outcome.
 *
 * Needs ORCHESTRATOR_TOKEN (an agent token; with ORCHESTRATOR_TOKEN unset it uses the first
 * `agent:` entry of ORCHESTRATOR_AUTH_TOKENS) and ORCHESTRATOR_URL (default http://127.0.0.1:8080).
 */
import { randomBytes } from 'node:crypto';
import { submitCommand, waitForAction } from '../daemon/sdk/index.ts';

function agentToken(): string {
  if (process.env.ORCHESTRATOR_TOKEN) return process.env.ORCHESTRATOR_TOKEN;
  const entry = (process.env.ORCHESTRATOR_AUTH_TOKENS ?? '').split(',').find((e) => e.startsWith('agent:'));
  const token = entry?.split(':').slice(2).join(':');
  if (!token) {
    process.stderr.write(
      'demo: set ORCHESTRATOR_TOKEN to an agent token (or ORCHESTRATOR_AUTH_TOKENS with an agent: entry)\n',
    );
    process.exit(1);
  }
  return token;
}

const client = { baseUrl: process.env.ORCHESTRATOR_URL ?? 'http://127.0.0.1:8080', token: agentToken() };
const run = randomBytes(3).toString('hex');
const commands = [
  {
    action_id: `demo-${run}-check`,
    command_type: 'CHECK_INTEGRATION_STATUS',
    params: { service: 'mailchimp' },
    severity: 'LOW',
  },
  {
    action_id: `demo-${run}-refresh`,
    command_type: 'REFRESH_TOKEN',
    params: { service: 'google' },
    severity: 'MEDIUM',
  },
  {
    action_id: `demo-${run}-connect`,
    command_type: 'CONNECT_INTEGRATION',
    params: { service: 'chatwoot' },
    severity: 'HIGH',
  },
];

for (const command of commands) {
  const submitted = await submitCommand(client, command);
  const action = await waitForAction(client, submitted.action_id, { waitTimeoutMs: 30_000 });
  const decision = action.decision;
  process.stdout.write(
    `${command.command_type.padEnd(26)} → ${action.status.padEnd(15)} risk ${decision?.risk ?? '-'}  ${
      action.status === 'SUCCESS' ? JSON.stringify(action.result) : (decision?.reasons ?? []).join(' ')
    }${action.error ? `  error ${action.error.code}` : ''}\n`,
  );
}
