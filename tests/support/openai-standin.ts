/**
 * A local OpenAI-compatible server for jury tests and the jury bench: a real HTTP server on
 * 127.0.0.1 answering `POST /v1/chat/completions` in OpenAI's shape (`id`, `object`, `created`,
 * `model`, `choices[0].message.{role, content, refusal}`, `finish_reason`, `usage`).
 *
 * What each model answers is scripted (`script(model, behaviour)`): a verdict, a latency, or a
 * failure (HTTP 500, garbage content, a refusal, a truncated answer, a hang that never answers).
 * Jurors are told apart by their model name. Every request body is recorded, parsed, with whether
 * the client went away before an answer was sent (an aborted juror).
 *
 * Run it by hand with `node tests/support/openai-standin.ts [port]` (every model approves).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const MAX_BODY_BYTES = 1_048_576;

export interface StandInBehaviour {
  /** @defaultValue 'approve' */
  readonly verdict?: 'approve' | 'reject';
  /** @defaultValue 0.9 */
  readonly confidence?: number;
  /** @defaultValue a fixed sentence */
  readonly rationale?: string;
  /** @defaultValue [] */
  readonly risk_flags?: readonly string[];
  /** Milliseconds before answering. @defaultValue 0 */
  readonly latencyMs?: number;
  /**
   * `http500`: an OpenAI-style error body with status 500. `garbage`: content that is not JSON.
   * `refusal`: `message.refusal` set, content null. `length`: half a JSON object with
   * `finish_reason: 'length'`. `hang`: never answers (until the client goes away).
   */
  readonly fail?: 'http500' | 'garbage' | 'refusal' | 'length' | 'hang';
  /** @defaultValue { prompt_tokens: 420, completion_tokens: 60 } */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
}

export interface StandInRequest {
  readonly at: number;
  readonly path: string;
  readonly model: string | undefined;
  /** The parsed JSON body as received. */
  readonly body: Record<string, unknown>;
  /** The body's bytes as received. */
  readonly raw: string;
  /** HTTP status answered; 0 while unanswered or when the client went away first. */
  status: number;
  /** The client closed the connection before an answer was sent (e.g. an aborted juror). */
  clientAborted: boolean;
}

export interface OpenAIStandIn {
  /** Base URL for the SDK (`…/v1`). */
  readonly baseUrl: string;
  readonly requests: readonly StandInRequest[];
  /** Sets the behaviour of one model (replacing any earlier one). */
  script(model: string, behaviour: StandInBehaviour): void;
  /** Behaviour of models without a script. @defaultValue approve at once */
  scriptDefault(behaviour: StandInBehaviour): void;
  /** Forgets scripts and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function completion(model: string, b: StandInBehaviour): Record<string, unknown> {
  const verdict = JSON.stringify({
    verdict: b.verdict ?? 'approve',
    confidence: b.confidence ?? 0.9,
    rationale: b.rationale ?? 'Scripted verdict from the OpenAI stand-in.',
    risk_flags: b.risk_flags ?? [],
  });
  let content: string | null = verdict;
  let refusal: string | null = null;
  let finish = 'stop';
  if (b.fail === 'garbage') content = 'Sure! I think this looks fine :) {approve';
  if (b.fail === 'refusal') {
    content = null;
    refusal = "I'm sorry, I can't help with that.";
  }
  if (b.fail === 'length') {
    content = verdict.slice(0, Math.floor(verdict.length / 2));
    finish = 'length';
  }
  return {
    id: `chatcmpl-${randomBytes(8).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: finish },
    ],
    usage: {
      ...(b.usage ?? { prompt_tokens: 420, completion_tokens: 60 }),
      total_tokens: (b.usage?.prompt_tokens ?? 420) + (b.usage?.completion_tokens ?? 60),
    },
  };
}

/**
 * Starts the stand-in on a random port of 127.0.0.1.
 *
 * @example
 * ```ts
 * const llm = await startOpenAIStandIn();
 * llm.script('judge-sec', { verdict: 'reject', latencyMs: 50 });
 * llm.script('judge-biz', { fail: 'hang' });
 * // point jurors at llm.baseUrl …
 * await llm.close();
 * ```
 */
export async function startOpenAIStandIn(opts: { port?: number } = {}): Promise<OpenAIStandIn> {
  const scripts = new Map<string, StandInBehaviour>();
  let fallback: StandInBehaviour = {};
  const requests: StandInRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      send(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    const model = typeof body.model === 'string' ? body.model : undefined;
    const rec: StandInRequest = { at: Date.now(), path, model, body, raw, status: 0, clientAborted: false };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.clientAborted = true;
    });
    const b = (model && scripts.get(model)) || fallback;
    if (b.fail === 'hang') return;
    const answer = () => {
      if (res.destroyed) return;
      if (b.fail === 'http500') {
        rec.status = 500;
        send(res, 500, { error: { message: 'The server had an error', type: 'server_error', code: null } });
        return;
      }
      rec.status = 200;
      send(res, 200, completion(model ?? 'unknown', b));
    };
    if (b.latencyMs) setTimeout(answer, b.latencyMs);
    else answer();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        send(res, 413, { error: { message: 'body too large', type: 'invalid_request_error' } });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!res.headersSent) handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (model, behaviour) => {
      scripts.set(model, behaviour);
    },
    scriptDefault: (behaviour) => {
      fallback = behaviour;
    },
    reset: () => {
      scripts.clear();
      fallback = {};
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const llm = await startOpenAIStandIn({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`OpenAI stand-in at ${llm.baseUrl}\n`);
}
