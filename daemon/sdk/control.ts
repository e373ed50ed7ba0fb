/**
 * The kill switch and the poller over HTTP, for the CLI and on-call tooling (`oncall` or
 * `admin` tokens). Each call answers with what the daemon did, or throws an {@link SdkError}
 * carrying the daemon's code (`ORC_ERR_CONTROL_*`, `ORC_ERR_API_*`).
 */
import type { Client, RequestOptions } from './http.ts';
import { staffCall } from './staff-call.ts';

/** A halt or release scope; omit it for the master switch. */
export interface ControlScope {
  readonly kind: 'connector' | 'command_type' | 'agent';
  readonly value: string;
}

export type ControlOperation = 'pause' | 'resume' | 'halt' | 'release';

function call(
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  opts: RequestOptions,
): Promise<Record<string, unknown>> {
  // A halt waits for every replica's acknowledgement: a longer default than other staff calls.
  return staffCall(client, method, path, body, opts, 30_000);
}

/**
 * Pauses or resumes the poller, or halts or releases the kill switch (master without `scope`).
 * A halt resolves once every live replica acknowledged it.
 *
 * @example
 * ```ts
 * await control(client, 'halt', { reason: 'policy bypass suspected' });
 * await control(client, 'halt', { reason: 'bridge misbehaves', scope: { kind: 'connector', value: 'integrations' } });
 * ```
 */
export async function control(
  client: Client,
  op: ControlOperation,
  body: { reason: string; scope?: ControlScope },
  opts: RequestOptions = {},
): Promise<Record<string, unknown>> {
  return await call(client, 'POST', `v1/control/${op}`, body, opts);
}

/**
 * The switch, the poller, the replicas and the number of held actions.
 *
 * @example
 * ```ts
 * const s = await controlStatus(client);
 * if (s.master && (s.master as { halted: boolean }).halted) console.log('halted');
 * ```
 */
export async function controlStatus(
  client: Client,
  opts: RequestOptions = {},
): Promise<Record<string, unknown>> {
  return await call(client, 'GET', 'v1/control/status', undefined, opts);
}
