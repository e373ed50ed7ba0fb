/**
 * Two real daemon processes sharing one Postgres ledger (a fresh schema), one queue and one
 * kill switch, calling the Apps Script stand-in through a counting proxy; a load generator that
 * enqueues commands continuously; and a halt measured from outside. Used by
 * `tests/e2e/kill-switch.e2e.test.ts` and `npm run bench:halt`.
 */
import { createEnqueuer } from '../../daemon/sdk/index.ts';
import { startAppsScriptStandIn } from './apps-script-standin.ts';
import { startCountingProxy } from './counting-proxy.ts';
import { type DaemonProcess, randomName, startDaemonProcess } from './daemon-process.ts';
import { freshSchema, TEST_DATABASE_URL } from './pg.ts';

const SECRET = 'standin-shared-secret-for-halt-bench';
export const ONCALL = 'oncall-token-0123456789abcdef';
export const ONCALL_2 = 'oncall-token-fedcba9876543210';

export interface HaltRig {
  readonly daemons: DaemonProcess[];
  readonly env: Record<string, string>;
  readonly queue: string;
  readonly proxy: Awaited<ReturnType<typeof startCountingProxy>>;
  readonly standin: Awaited<ReturnType<typeof startAppsScriptStandIn>>;
  /** Every action id enqueued so far. */
  readonly enqueued: string[];
  /** Starts enqueueing one command every `everyMs` until `stopLoad()`. */
  startLoad(everyMs: number): void;
  stopLoad(): Promise<void>;
  /** POST /v1/control/<op> on daemon `i` with an oncall token; returns status, body and wall time. */
  control(
    i: number,
    op: string,
    body: Record<string, unknown>,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown>; sentAt: number; returnedAt: number }>;
  close(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const rig = await startHaltRig({ replicas: 2 });
 * rig.startLoad(5);
 * const h = await rig.control(0, 'halt', { reason: 'bench' });
 * rig.proxy.postsSince(h.returnedAt).length; // → 0
 * ```
 */
export async function startHaltRig(
  opts: { replicas?: number; env?: Record<string, string> } = {},
): Promise<HaltRig> {
  const cleanup: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const f of cleanup.reverse()) await f().catch(() => {});
  };
  try {
    const standin = await startAppsScriptStandIn({ secret: SECRET });
    cleanup.push(() => standin.close());
    const proxy = await startCountingProxy(standin.url);
    cleanup.push(() => proxy.close());
    const schema = await freshSchema();
    cleanup.push(() => schema.drop());
    const queue = randomName('halt');
    const env: Record<string, string> = {
      // Both processes share the ledger: the schema is set per connection through `options`.
      DATABASE_URL: `${TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`,
      ORCHESTRATOR_QUEUES: queue,
      DEAD_LETTER_QUEUE: `${queue}-dead`,
      KILL_SWITCH_PREFIX: `${queue}:control`,
      ORCHESTRATOR_AUTH_TOKENS: `oncall:alice:${ONCALL},oncall:bob:${ONCALL_2}`,
      APPS_SCRIPT_URL: proxy.url,
      APPS_SCRIPT_SECRET: SECRET,
      POLICY_WATCH: 'false',
      WORKER_CONCURRENCY: '8',
      DATA_DIR: '/tmp',
      ...opts.env,
    };
    const daemons: DaemonProcess[] = [];
    for (let i = 0; i < (opts.replicas ?? 2); i++) {
      const d = await startDaemonProcess(env, 60_000);
      daemons.push(d);
      cleanup.push(() => d.stop());
    }
    const enq = createEnqueuer({
      connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      queue,
      agentId: 'agent-load',
    });
    cleanup.push(() => enq.close());
    const enqueued: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    let inflight: Promise<unknown> = Promise.resolve();
    const rig: HaltRig = {
      daemons,
      env,
      queue,
      proxy,
      standin,
      enqueued,
      startLoad(everyMs) {
        let n = 0;
        timer = setInterval(() => {
          const id = `load-${n++}`;
          enqueued.push(id);
          inflight = Promise.all([
            inflight,
            enq
              .enqueue({
                action_id: id,
                command_type: 'CHECK_INTEGRATION_STATUS',
                params: { service: 'mailchimp' },
              })
              .catch(() => {}),
          ]);
        }, everyMs);
      },
      async stopLoad() {
        clearInterval(timer);
        await inflight;
      },
      async control(i, op, body, token = ONCALL) {
        const d = daemons[i]!;
        const sentAt = Date.now();
        const r = await fetch(`${d.url}/v1/control/${op}`, {
          method: op === 'status' ? 'GET' : 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            ...(op === 'status' ? {} : { 'content-type': 'application/json' }),
          },
          ...(op === 'status' ? {} : { body: JSON.stringify(body) }),
        });
        const returnedAt = Date.now();
        return { status: r.status, body: (await r.json()) as Record<string, unknown>, sentAt, returnedAt };
      },
      close,
    };
    return rig;
  } catch (err) {
    await close();
    throw err;
  }
}
