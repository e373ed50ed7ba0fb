/**
 * Human approvals over HTTP, for the CLI and for tools of on-call staff (`oncall`, `security`
 * or `admin` tokens).
 */
import type { Client, RequestOptions } from './http.ts';
import { staffCall } from './staff-call.ts';

/** One command waiting for a person, as `GET /v1/approvals` lists it. */
export interface PendingApproval {
  readonly action_id: string;
  readonly agent_id: string;
  readonly command_type: string;
  readonly [key: string]: unknown;
}

const call = staffCall;

/**
 * Lists the commands waiting for a person.
 *
 * @example
 * ```ts
 * const pending = await listApprovals({ baseUrl, token: oncallToken });
 * ```
 */
export async function listApprovals(client: Client, opts: RequestOptions = {}): Promise<PendingApproval[]> {
  const json = (await call(client, 'GET', 'v1/approvals', undefined, opts)) as {
    approvals?: PendingApproval[];
  };
  return json.approvals ?? [];
}

/**
 * Approves (a single-use grant; the command is re-evaluated by the current policy before it
 * runs) or rejects a command waiting for a person.
 *
 * @example
 * ```ts
 * await decideApproval(client, 'refresh-google-001', { decision: 'approve', reason: 'owner confirmed' });
 * ```
 */
export async function decideApproval(
  client: Client,
  actionId: string,
  body: { decision: 'approve' | 'reject'; reason: string },
  opts: RequestOptions = {},
): Promise<unknown> {
  return call(client, 'POST', `v1/approvals/${encodeURIComponent(actionId)}`, body, opts);
}

/**
 * How well the jury agreed with people's decisions over the last `days` days.
 *
 * @example
 * ```ts
 * const { agreement, kappa } = await juryReport({ baseUrl, token: securityToken }, 30);
 * ```
 */
export async function juryReport(
  client: Client,
  days = 7,
  opts: RequestOptions = {},
): Promise<Record<string, unknown>> {
  return (await call(
    client,
    'GET',
    `v1/jury/report?days=${encodeURIComponent(String(days))}`,
    undefined,
    opts,
  )) as Record<string, unknown>;
}

/**
 * Sends again the alert deliveries that used up their attempts (oncall or admin token).
 *
 * @example
 * ```ts
 * const { retried } = await retryFailedAlerts({ baseUrl, token: oncallToken });
 * ```
 */
export async function retryFailedAlerts(
  client: Client,
  opts: RequestOptions = {},
): Promise<{ retried: number }> {
  return (await call(client, 'POST', 'v1/alerts/retry-failed', {}, opts)) as { retried: number };
}
