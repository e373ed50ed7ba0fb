/**
 * The common part of the alert sink stand-ins (Slack, PagerDuty, generic webhook): a real HTTP
 * server on 127.0.0.1 that reads each request's raw body, records it, answers injected
 * failures first (`failNext`), and otherwise lets the specific stand-in check the documented
 * request shape and answer as the real service does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 1_048_576;

export interface RecordedRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body's bytes as received (as UTF-8 text). */
  readonly raw: string;
  /** The parsed JSON body, or undefined when it was not JSON. */
  readonly body: unknown;
  /** HTTP status answered. */
  status: number;
  /** Whether the stand-in accepted the request as a delivery (2xx after validation). */
  accepted: boolean;
  /** Why the request was refused, when it was. */
  problem?: string;
}

/** What a specific stand-in answers for a request that passed the injected failures. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly problem?: string;
}

export interface HttpStandIn {
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Requests accepted as deliveries. */
  accepted(): RecordedRequest[];
  /** Answers the next `n` requests with `status` (503 by default), before any validation. */
  failNext(n: number, status?: number, headers?: Readonly<Record<string, string>>): void;
  close(): Promise<void>;
}

/**
 * Starts a stand-in on 127.0.0.1 at a random port.
 *
 * @example
 * ```ts
 * const s = await startHttpStandIn('/hook', (req) => ({ status: 200, body: 'ok' }));
 * ```
 */
export async function startHttpStandIn(
  path: string,
  handle: (req: RecordedRequest) => Answer,
): Promise<HttpStandIn> {
  const requests: RecordedRequest[] = [];
  let failures: { left: number; status: number; headers: Readonly<Record<string, string>> } = {
    left: 0,
    status: 503,
    headers: {},
  };

  const answer = (res: ServerResponse, rec: RecordedRequest, a: Answer): void => {
    rec.status = a.status;
    rec.accepted = a.status >= 200 && a.status < 300;
    if (a.problem) rec.problem = a.problem;
    res.writeHead(a.status, { 'content-type': a.contentType ?? 'text/plain' });
    res.end(a.body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const rec: RecordedRequest = {
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
        status: 0,
        accepted: false,
      };
      requests.push(rec);
      if (failures.left > 0) {
        failures.left--;
        rec.status = failures.status;
        rec.problem = 'injected failure';
        res.writeHead(failures.status, { 'content-type': 'text/plain', ...failures.headers });
        res.end('injected failure');
        return;
      }
      if (size > MAX_BODY_BYTES)
        return answer(res, rec, { status: 413, body: 'too large', problem: 'too large' });
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
        return answer(res, rec, { status: 404, body: 'not found', problem: 'wrong method or path' });
      }
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json') || body === undefined) {
        return answer(res, rec, { status: 400, body: 'invalid_payload', problem: 'not a JSON body' });
      }
      answer(res, rec, handle(rec));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    accepted: () => requests.filter((r) => r.accepted),
    failNext(n, status = 503, headers = {}) {
      failures = { left: n, status, headers };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
