/**
 * A local Apps Script stand-in: a real HTTP server on 127.0.0.1 that runs the very
 * `bridges/apps-script/Code.gs` users deploy (in a `node:vm` context with in-memory versions of
 * the Apps Script services it uses) behind Google's web-app front: a POST runs `doPost` and is
 * answered with a 302 to `/echo/<id>`, whose GET returns the script's JSON output.
 *
 * So the signature, timestamp window, nonce and action_id checks under test are the script's
 * own; only the SERVICES table is replaced by stand-in services whose integration status and
 * failures tests set at run time. Infrastructure faults (slowness, 5xx, an unreachable host,
 * HTML pages) are simulated in front of the script, where Google would produce them.
 *
 * Run it by hand with `APPS_SCRIPT_SECRET=… node tests/support/apps-script-standin.ts [port]`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadAppsScript } from './apps-script-runtime.ts';

const MAX_BODY_BYTES = 1_048_576;

export interface AppsScriptStandInOptions {
  /** The shared secret, stored as the Script Property `ORCHESTRATOR_SECRET`. */
  readonly secret: string;
  /** Services in the script's SERVICES table. @defaultValue ['chatwoot', 'google', 'mailchimp', 'meta', 'shopify'] */
  readonly services?: readonly string[];
  /** Port to listen on. @defaultValue 0 (a random free port) */
  readonly port?: number;
}

/** What the stand-in did with one request. */
export type StandInOutcome =
  /** The script ran the command (a service method was called). */
  | 'executed'
  /** The script returned the stored result of an action_id that already ran. */
  | 'replayed'
  /** The script answered `ok:false` (see `errorCode`). */
  | 'rejected'
  /** `failNext` answered an HTTP error before the script. */
  | 'injected'
  /** `garbleNext` answered an HTML page before the script. */
  | 'garbled'
  /** `down()`: the connection was reset without an answer. */
  | 'dropped'
  /** GET of a redirect target. */
  | 'echo'
  /** Anything else (unknown path, method). */
  | 'not-found';

/** One entry of the request log. It never holds the secret, the signature or the params. */
export interface StandInRequest {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** The action_id of a POST body, as sent (the daemon sends `<agent>/<action_id>`). */
  readonly action_id?: string;
  readonly command_type?: string;
  readonly outcome: StandInOutcome;
  /** The script's error code when `outcome` is `rejected`. */
  readonly errorCode?: string;
  /** HTTP status answered; 0 when dropped. */
  readonly status: number;
}

export interface AppsScriptStandIn {
  /** The web-app URL to configure as `APPS_SCRIPT_URL`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: readonly StandInRequest[];
  /**
   * Executions of one action. `id` is the action_id as sent, or an agent's action_id alone,
   * which then matches it from any agent (the integrations connector sends `<agent>/<id>`).
   */
  executions(id: string): number;
  /** Executions of all actions. */
  totalExecutions(): number;
  /** POSTs that carried this action_id (same matching as `executions`), whatever their outcome. */
  requestsFor(id: string): number;
  /** Executions per action_id as sent. */
  executionCounts(): ReadonlyMap<string, number>;
  /** Delays the answer of every request that executes something by `ms` (0 turns it off). */
  slow(ms: number): void;
  /** Answers the next `n` POSTs with HTTP `status` without running the script. @defaultValue status 500 */
  failNext(n: number, status?: number): void;
  /** Answers the next `n` POSTs with a 200 HTML page, as Apps Script does when a script crashes. */
  garbleNext(n: number): void;
  /** Resets every new connection without answering (a network failure) until `up()`. */
  down(): void;
  up(): void;
  /** What CHECK_INTEGRATION_STATUS reports for `service` (default CONNECTED); adds unknown services. */
  setIntegrationStatus(service: string, status: string): void;
  /** Makes `service` throw a reported error (`null` clears it). Retryable errors are not stored. */
  failService(service: string, message: string | null, opts?: { readonly retryable?: boolean }): void;
  /** Turns off slow/failNext/garbleNext/down and service failures; counters and caches stay. */
  resetModes(): void;
  /** What the script wrote with console.* (never the secret). */
  scriptLog(): readonly string[];
  close(): Promise<void>;
}

/**
 * Starts a stand-in on 127.0.0.1.
 *
 * @example
 * ```ts
 * const standin = await startAppsScriptStandIn({ secret: 'test-secret' });
 * const bridge = new AppsScriptBridge({ url: standin.url, secret: 'test-secret', timeoutMs: 2_000 });
 * await bridge.call({ action_id: 'a-1', command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'google' } });
 * standin.executions('a-1'); // → 1
 * standin.failNext(2, 503); // the next two POSTs get 503
 * await standin.close();
 * ```
 */
export async function startAppsScriptStandIn(options: AppsScriptStandInOptions): Promise<AppsScriptStandIn> {
  const script = loadAppsScript(options.secret);
  const counts = new Map<string, number>();
  const statuses = new Map<string, string>();
  const failures = new Map<string, { message: string; retryable: boolean }>();
  const requests: StandInRequest[] = [];
  const echoes = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let slowMs = 0;
  let failing = { n: 0, status: 500 };
  let garbling = 0;
  let isDown = false;

  const addService = (name: string): void => {
    const run = (ctx: { action_id: string }): void => {
      counts.set(ctx.action_id, (counts.get(ctx.action_id) ?? 0) + 1);
      const failure = failures.get(name);
      if (failure) throw script.serviceError(failure.message, failure.retryable);
    };
    script.services[name] = {
      checkStatus: (_params: unknown, ctx: { action_id: string }) => {
        run(ctx);
        return statuses.get(name) ?? 'CONNECTED';
      },
      refreshToken: (_params: unknown, ctx: { action_id: string }) => {
        run(ctx);
        return { expires_at: new Date(Date.now() + 3_600_000).toISOString() };
      },
    };
  };
  for (const key of Object.keys(script.services)) delete script.services[key];
  for (const name of options.services ?? ['chatwoot', 'google', 'mailchimp', 'meta', 'shopify'])
    addService(name);

  const total = (): number => [...counts.values()].reduce((a, b) => a + b, 0);
  const matches = (sent: string, id: string): boolean =>
    sent === id || sent.slice(sent.indexOf('/') + 1) === id;
  const log = (entry: Omit<StandInRequest, 'at'>): void => {
    requests.push({ at: Date.now(), ...entry });
  };
  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    if (isDown) {
      log({ method, path, outcome: 'dropped', status: 0 });
      req.socket.destroy();
      return;
    }
    if (method === 'GET' && path.startsWith('/echo/')) {
      const id = path.slice('/echo/'.length);
      const content = echoes.get(id);
      echoes.delete(id);
      if (content === undefined)
        return answer(res, log, { method, path, outcome: 'not-found' }, 404, HTML_404);
      log({ method, path, outcome: 'echo', status: 200 });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(content);
      return;
    }
    if (method !== 'POST' || path !== EXEC_PATH) {
      return answer(res, log, { method, path, outcome: 'not-found' }, 404, HTML_404);
    }
    const body = await readBody(req);
    if (body === undefined) return answer(res, log, { method, path, outcome: 'not-found' }, 413, 'too large');
    const ids = peekIds(body);
    if (failing.n > 0) {
      failing.n--;
      return answer(res, log, { method, path, ...ids, outcome: 'injected' }, failing.status, HTML_ERROR);
    }
    if (garbling > 0) {
      garbling--;
      return answer(res, log, { method, path, ...ids, outcome: 'garbled' }, 200, HTML_SCRIPT_ERROR);
    }
    const before = total();
    const content = script.doPost(body);
    const executed = total() > before;
    const reply = JSON.parse(content) as { ok: boolean; replayed?: boolean; error?: { code?: string } };
    const outcome: StandInOutcome = executed ? 'executed' : !reply.ok ? 'rejected' : 'replayed';
    log({
      method,
      path,
      ...ids,
      outcome,
      ...(reply.ok ? {} : { errorCode: String(reply.error?.code) }),
      status: 302,
    });
    // Apps Script runs the script during the POST; a slow run delays the redirect.
    if (executed && slowMs > 0) await delay(slowMs);
    const echoId = randomBytes(12).toString('hex');
    echoes.set(echoId, content);
    const { port } = server.address() as AddressInfo;
    res.writeHead(302, { location: `http://127.0.0.1:${port}/echo/${echoId}`, 'content-type': 'text/html' });
    res.end('<HTML><BODY>Moved Temporarily</BODY></HTML>');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`stand-in failure: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${EXEC_PATH}`,
    requests,
    executions: (id) => [...counts].reduce((n, [sent, c]) => (matches(sent, id) ? n + c : n), 0),
    totalExecutions: total,
    requestsFor: (id) =>
      requests.filter((r) => r.method === 'POST' && r.action_id !== undefined && matches(r.action_id, id))
        .length,
    executionCounts: () => new Map(counts),
    slow: (ms) => {
      slowMs = Math.max(0, ms);
    },
    failNext: (n, status = 500) => {
      failing = { n, status };
    },
    garbleNext: (n) => {
      garbling = n;
    },
    down: () => {
      isDown = true;
      // Kept-alive connections would otherwise still reach the handler.
      server.closeIdleConnections();
    },
    up: () => {
      isDown = false;
    },
    setIntegrationStatus: (service, status) => {
      if (!Object.hasOwn(script.services, service)) addService(service);
      statuses.set(service, status);
    },
    failService: (service, message, opts) => {
      if (message === null) failures.delete(service);
      else failures.set(service, { message, retryable: opts?.retryable === true });
    },
    resetModes: () => {
      slowMs = 0;
      failing = { n: 0, status: 500 };
      garbling = 0;
      isDown = false;
      failures.clear();
    },
    scriptLog: () => [...script.logs],
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const EXEC_PATH = '/macros/s/standin/exec';
const HTML_404 = '<!DOCTYPE html><html><body>Sorry, unable to open the file at this time.</body></html>';
const HTML_ERROR =
  '<!DOCTYPE html><html><body>Google Docs encountered an error. Please try again later.</body></html>';
const HTML_SCRIPT_ERROR =
  '<!DOCTYPE html><html><body>TypeError: Cannot read properties of undefined</body></html>';

function answer(
  res: ServerResponse,
  log: (entry: Omit<StandInRequest, 'at'>) => void,
  entry: Omit<StandInRequest, 'at' | 'status'>,
  status: number,
  html: string,
): void {
  log({ ...entry, status });
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The ids of a body for the log, whatever the script later thinks of it. */
function peekIds(body: string): { action_id?: string; command_type?: string } {
  try {
    const parsed = JSON.parse(body) as { action_id?: unknown; command_type?: unknown };
    return {
      ...(typeof parsed.action_id === 'string' ? { action_id: parsed.action_id } : {}),
      ...(typeof parsed.command_type === 'string' ? { command_type: parsed.command_type } : {}),
    };
  } catch {
    return {};
  }
}

if (import.meta.main) {
  const secret = process.env.APPS_SCRIPT_SECRET;
  if (!secret) {
    console.error('set APPS_SCRIPT_SECRET to the shared secret');
    process.exit(1);
  }
  const standin = await startAppsScriptStandIn({ secret, port: Number(process.argv[2] ?? 0) });
  console.log(`Apps Script stand-in listening; APPS_SCRIPT_URL=${standin.url}`);
  const stop = (): void => {
    standin.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
