/**
 * The kill switch and the poller over HTTP, for the CLI and on-call tooling (`oncall` or
 * `admin` tokens). Each call answers with what the daemon did, or throws an {@link SdkError}
 * carrying the daemon's code (`ORC_ERR_CONTROL_*`, `ORC_ERR_API_*`).
 */
import { SdkError } from './common.ts';
import type { Client, RequestOptions } from './http.ts';

/** A halt or release scope; omit it for the master switch. */
export interface ControlScope {
  readonly kind: 'connector' | 'command_type' | 'agent';
  readonly value: string;
}

export type ControlOperation = 'pause' | 'resume' | 'halt' | 'release';

async function call(
  client: Client,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  opts: RequestOptions,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const doFetch = client.fetch ?? fetch;
  const res = await doFetch(
    new URL(path, client.baseUrl.endsWith('/') ? client.baseUrl : `${client.baseUrl}/`),
    {
      method,
      headers: {
        authorization: `Bearer ${client.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    },
  );
  const json = ((await res.json().catch(() => undefined)) ?? {}) as Record<string, unknown> & {
    error?: { code?: string; message?: string; details?: Record<string, unknown> };
  };
  if (!res.ok) {
    throw new SdkError(
      json.error?.code ?? 'ORC_ERR_SDK_BAD_RESPONSE',
      json.error?.message ?? `HTTP ${res.status}`,
      {
        httpStatus: res.status,
        ...(json.error?.details ? { details: json.error.details } : {}),
      },
    );
  }
  return { status: res.status, json };
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
  return (await call(client, 'POST', `v1/control/${op}`, body, opts)).json;
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
  return (await call(client, 'GET', 'v1/control/status', undefined, opts)).json;
}
