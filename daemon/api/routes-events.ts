/**
 * `GET /v1/actions/:action_id/events`: an action's events and progress as server-sent events,
 * the recorded ones first, then new ones as they are written, until the action is terminal.
 *
 * Three SSE event types:
 * - `status`: a transition (`{seq, status, payload, at}`, as in `GET /v1/actions/:id`);
 * - `progress`: a progress record of the running connector (`{id, kind, payload, at}`), e.g. one
 *   discovery partner's products;
 * - `end`: the action is terminal (`{status}`); the server then closes the stream.
 *
 * Each message's SSE `id` is the cursor `<event seq>.<progress id>` after it, so a client that
 * reconnects with `Last-Event-ID` (browsers' EventSource do it on their own) misses nothing and
 * sees nothing twice. The stream reads the ledger every `pollMs` rather than listening on the
 * in-process event bus, so any daemon replica can serve it, whichever one runs the action.
 *
 * Authorization is that of `GET /v1/actions/:action_id`: agents see their own actions only
 * (another agent's is a 404), staff see every one.
 *
 * @example
 * ```sh
 * curl -N -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/actions/disc-1/events
 * # id: 1.0
 * # event: status
 * # data: {"seq":1,"status":"QUEUED","payload":{"queue":"agent-commands"},"at":"…"}
 * ```
 */
import type { FastifyInstance } from 'fastify';
import {
  type ActionEvent,
  type ActionProgress,
  type ActionRecord,
  type Ledger,
  TERMINAL_STATUSES,
} from '../core/types.ts';
import { ApiErrors } from '../errors/api.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { type Role, STAFF_ROLES } from './auth.ts';
import { actionParamsSchema, bearer, commonErrors } from './openapi.ts';

export interface EventRoutesOptions {
  readonly ledger: Ledger;
  /** Between ledger reads (`ACTION_EVENTS_POLL_MS`). */
  readonly pollMs: number;
  /** Streams opened per caller per minute. */
  readonly readRateLimitPerMinute: number;
  /**
   * Longest a stream stays open; the client reconnects with `Last-Event-ID` to go on. Bounds
   * what a forgotten connection costs. @defaultValue 300_000
   */
  readonly maxStreamMs?: number;
  /** Comment line sent while nothing happens, so proxies keep the connection. @defaultValue 15_000 */
  readonly heartbeatMs?: number;
}

export const EVENT_STREAM_DEFAULTS = {
  maxStreamMs: 300_000, // five minutes per connection
  heartbeatMs: 15_000, // idle time before a keep-alive comment
} as const;

const READERS: readonly Role[] = ['agent', ...STAFF_ROLES];

interface Cursor {
  seq: number;
  progress: number;
}

/** `Last-Event-ID` as a cursor; anything malformed restarts from the beginning. */
export function parseCursor(header: unknown): Cursor {
  if (typeof header !== 'string') return { seq: 0, progress: 0 };
  const m = /^(\d{1,9})\.(\d{1,15})$/.exec(header.trim());
  return m ? { seq: Number(m[1]), progress: Number(m[2]) } : { seq: 0, progress: 0 };
}

type Item =
  | { readonly type: 'status'; readonly at: string; readonly event: ActionEvent }
  | { readonly type: 'progress'; readonly at: string; readonly progress: ActionProgress };

/**
 * Events and progress in the order they happened. Equal timestamps (a clock tick can hold both)
 * put progress after ordinary transitions but before a terminal one: progress is written while
 * the action is EXECUTING, and its terminal transition only after the connector returned.
 */
function merge(events: readonly ActionEvent[], progress: readonly ActionProgress[]): Item[] {
  const rank = (i: Item): number =>
    i.type === 'progress' ? 1 : TERMINAL_STATUSES.has(i.event.status) ? 2 : 0;
  const items: Item[] = [
    ...events.map((e): Item => ({ type: 'status', at: e.at, event: e })),
    ...progress.map((p): Item => ({ type: 'progress', at: p.at, progress: p })),
  ];
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : rank(a) - rank(b)));
}

function frame(cursor: Cursor, event: string, data: unknown): string {
  return `id: ${cursor.seq}.${cursor.progress}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function eventRoutes(app: FastifyInstance, opts: EventRoutesOptions): Promise<void> {
  const { ledger } = opts;
  const maxStreamMs = opts.maxStreamMs ?? EVENT_STREAM_DEFAULTS.maxStreamMs;
  const heartbeatMs = opts.heartbeatMs ?? EVENT_STREAM_DEFAULTS.heartbeatMs;
  // Open streams, ended when the server closes: otherwise a stream of an action that never ends
  // would hold shutdown for up to maxStreamMs (clients reconnect elsewhere with Last-Event-ID).
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of streams) stop();
  });

  app.get<{ Params: { action_id: string } }>(
    '/v1/actions/:action_id/events',
    {
      config: { roles: READERS, rateLimit: { max: opts.readRateLimitPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['actions'],
        summary:
          "An action's events and progress as server-sent events (text/event-stream) until it is terminal",
        security: bearer,
        params: actionParamsSchema,
        response: {
          200: {
            description:
              'text/event-stream: `status`, `progress` and a final `end` event; each `id` is a resumable cursor (Last-Event-ID).',
            type: 'string',
          },
          ...commonErrors,
          404: { $ref: 'Error#' },
        },
      },
    },
    async (req, reply) => {
      const who = req.principal!;
      const id = req.params.action_id;
      // Looked up before the stream opens, so a missing action is an ordinary JSON 404.
      const found =
        who.role === 'agent' ? await ledger.getAction(who.subject, id) : await ledger.findAction(id);
      if (!found) throw new OrchestratorError(ApiErrors.NOT_FOUND, { actionId: id });
      const { agentId, actionId } = found;
      const cursor = parseCursor(req.headers['last-event-id']);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        // The socket goes with the stream: a kept-alive socket would hold the server's close.
        connection: 'close',
        'x-accel-buffering': 'no',
      });
      let open = true;
      let wake: (() => void) | undefined;
      const stop = (): void => {
        open = false;
        wake?.();
      };
      req.raw.on('close', stop);
      streams.add(stop);
      const sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
          const t = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });

      const started = Date.now();
      let lastWrite = Date.now();
      try {
        res.write('retry: 1000\n\n');
        while (open) {
          // Status first: if it is terminal, the reads below already hold everything before it.
          const current: ActionRecord | undefined = await ledger.getAction(agentId, actionId);
          const [events, progress] = await Promise.all([
            ledger.events(agentId, actionId),
            ledger.progressSince
              ? ledger.progressSince(agentId, actionId, cursor.progress)
              : Promise.resolve([]),
          ]);
          for (const item of merge(
            events.filter((e) => e.seq > cursor.seq),
            progress,
          )) {
            if (item.type === 'status') {
              cursor.seq = item.event.seq;
              const { seq, status, payload, at } = item.event;
              res.write(frame(cursor, 'status', { seq, status, payload, at }));
            } else {
              cursor.progress = item.progress.id;
              const { id: pid, kind, payload, at } = item.progress;
              res.write(frame(cursor, 'progress', { id: pid, kind, payload, at }));
            }
            lastWrite = Date.now();
          }
          if (current && TERMINAL_STATUSES.has(current.status)) {
            res.write(frame(cursor, 'end', { status: current.status }));
            break;
          }
          if (Date.now() - started >= maxStreamMs) break;
          if (Date.now() - lastWrite >= heartbeatMs) {
            res.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await sleep(opts.pollMs);
        }
      } catch (err) {
        // The stream is open: the error handler cannot answer any more, so say it in-band.
        const e = err instanceof OrchestratorError ? err : undefined;
        req.log.warn({ code: e?.code, actionId }, 'event stream ended by an error');
        if (open) {
          res.write(
            frame(cursor, 'error', {
              code: e?.code ?? ApiErrors.INTERNAL.code,
              message: e?.message ?? 'internal error',
            }),
          );
        }
      } finally {
        req.raw.off('close', stop);
        streams.delete(stop);
        res.end();
      }
    },
  );
}
