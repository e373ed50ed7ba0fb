/**
 * A small HTTP peer on 127.0.0.1 for bridge tests: it answers JSON, or a status the test sets,
 * or hangs, and logs every request it received with its arrival time, so tests count what
 * really reached the peer (retries, fast fails, the combined rate of two replicas).
 *
 * @example
 * ```ts
 * const peer = await startHttpPeer();
 * peer.failNext(2, 503);
 * await fetch(peer.url); // 503
 * peer.requests.length;  // 1
 * await peer.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly idempotencyKey: string | undefined;
  readonly status: number;
}

export interface HttpPeer {
  readonly url: string;
  readonly requests: readonly PeerRequest[];
  /** The next `n` requests answer `status` (then back to 200). */
  failNext(n: number, status: number): void;
  /** Every request answers `status` until `up()`. */
  down(status?: number): void;
  up(): void;
  /** Requests wait this long before answering. */
  slow(ms: number): void;
  /** Requests never answer (until `up()`). */
  hang(): void;
  close(): Promise<void>;
}

export async function startHttpPeer(): Promise<HttpPeer> {
  const requests: PeerRequest[] = [];
  let failing = 0;
  let failStatus = 500;
  let downStatus: number | undefined;
  let delayMs = 0;
  let hanging = false;
  const open = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    let status = 200;
    if (downStatus !== undefined) status = downStatus;
    else if (failing > 0) {
      failing--;
      status = failStatus;
    }
    const key = req.headers['idempotency-key'];
    requests.push({
      at: Date.now(),
      method: req.method ?? '',
      path: req.url ?? '',
      idempotencyKey: typeof key === 'string' ? key : undefined,
      status: hanging ? 0 : status,
    });
    if (hanging) {
      open.add(res);
      return;
    }
    const answer = (): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(status === 200 ? { ok: true, n: requests.length } : { error: `status ${status}` }),
      );
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    requests,
    failNext(n, status) {
      failing = n;
      failStatus = status;
    },
    down(status = 503) {
      downStatus = status;
    },
    up() {
      downStatus = undefined;
      hanging = false;
      delayMs = 0;
      for (const r of open) r.destroy();
      open.clear();
    },
    slow(ms) {
      delayMs = ms;
    },
    hang() {
      hanging = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of open) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
