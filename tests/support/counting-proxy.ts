/**
 * A counting HTTP proxy on 127.0.0.1: it notes the moment each request ARRIVES (before anything
 * else happens to it) and forwards it unchanged to a target (the Apps Script stand-in), passing
 * the answer back. The kill-switch tests and `npm run bench:halt` use it to count connector
 * calls that started after a halt returned.
 *
 * @example
 * ```ts
 * const proxy = await startCountingProxy(standin.url);
 * // APPS_SCRIPT_URL=proxy.url
 * proxy.postsSince(haltReturnedAt); // calls that started after
 * ```
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedCall {
  /** Milliseconds since the epoch when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** The body's action_id (the daemon sends `<agent>/<action_id>`), when it has one. */
  readonly actionId: string | undefined;
}

export interface CountingProxy {
  readonly url: string;
  readonly calls: readonly ProxiedCall[];
  /** POSTs (connector calls) that arrived strictly after `t` (ms since the epoch). */
  postsSince(t: number): ProxiedCall[];
  close(): Promise<void>;
}

export async function startCountingProxy(targetUrl: string): Promise<CountingProxy> {
  const target = new URL(targetUrl);
  const calls: ProxiedCall[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let actionId: string | undefined;
      try {
        const j = JSON.parse(body.toString('utf8')) as { action_id?: unknown };
        actionId = typeof j.action_id === 'string' ? j.action_id : undefined;
      } catch {
        actionId = undefined;
      }
      calls.push({ at, method: req.method ?? '', actionId });
      const fwd = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => {
        res.destroy();
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    // The same path as the target, so relative redirects and the script's path both still work.
    url: `http://127.0.0.1:${port}${target.pathname}${target.search}`,
    calls,
    postsSince: (t) => calls.filter((c) => c.method === 'POST' && c.at > t),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
