/**
 * Runs a panel on one command. Jurors are asked in parallel through the `openai` SDK (any
 * OpenAI-compatible endpoint, structured outputs, no SDK retries: a retry would blow the juror's
 * time box and the panel's budget). As soon as the outcome cannot change, the jurors still
 * answering are aborted and recorded `not_needed`.
 *
 * Fail closed: a juror that times out, errors, refuses, or answers anything but a valid verdict
 * is no approval. Only `outcome: 'approve'` may let a command run.
 */
import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { type Juror, type Panel, requiredApprovals } from './panel.ts';
import { buildMessages, type ChatMessage, estimateTokens, type JuryRequest, promptHash } from './prompt.ts';
import { parseVerdict, VERDICT_RESPONSE_FORMAT } from './verdict.ts';

export type { JuryRequest } from './prompt.ts';

export type VoteStatus = 'ok' | 'timeout' | 'error' | 'invalid' | 'refused' | 'not_needed';

/** One juror's part in a panel run, as the ledger records it. */
export interface Vote {
  readonly juror: string;
  readonly model: string;
  readonly family: string;
  /** null unless `status` is `ok`. */
  readonly verdict: 'approve' | 'reject' | null;
  readonly status: VoteStatus;
  readonly confidence: number | null;
  readonly rationale: string | null;
  readonly risk_flags: readonly string[];
  /** Why a vote is not `ok` (`HTTP 500`, `content is not a valid verdict`, the refusal text, …). */
  readonly detail?: string;
  readonly latencyMs: number;
  /** As reported by the endpoint's `usage`; 0 when no answer came back (timeout, abort, error). */
  readonly tokens: { readonly prompt: number; readonly completion: number };
  readonly costUsd: number;
  /** sha256 of the system and user messages sent (see `promptHash`). */
  readonly promptHash: string;
}

export interface JuryResult {
  readonly outcome: 'approve' | 'needs_approval';
  /** One per juror, in panel order; empty when the jury was skipped. */
  readonly votes: readonly Vote[];
  readonly approvals: number;
  /** Approvals the rule required. */
  readonly required: number;
  readonly wallMs: number;
  /** Sum of the votes' `costUsd`. */
  readonly costUsd: number;
  /** Worst-case estimate checked against `costBudgetUsd` before asking. */
  readonly estimatedCostUsd: number;
  /** Set when no juror was asked: the estimate exceeded the panel's budget. */
  readonly skipped?: 'over_budget';
}

export interface RunJuryOptions {
  /** Aborting it cancels every juror and rejects `runJury` with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Where juror API keys are read. @defaultValue process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const NOT_NEEDED = Symbol('not_needed');
const TIMEOUT = Symbol('timeout');

const clients = new WeakMap<Juror, { apiKey: string; client: OpenAI }>();

function clientFor(juror: Juror, apiKey: string): OpenAI {
  const cached = clients.get(juror);
  if (cached && cached.apiKey === apiKey) return cached.client;
  // The SDK's own timeout is a backstop only; the juror's time box is our AbortSignal.
  const client = new OpenAI({
    apiKey,
    baseURL: juror.baseUrl,
    maxRetries: 0,
    timeout: juror.timeoutMs + 1_000,
  });
  clients.set(juror, { apiKey, client });
  return client;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function costOf(juror: Juror, prompt: number, completion: number): number {
  return round6(
    (prompt / 1000) * juror.pricePer1kTokens.prompt + (completion / 1000) * juror.pricePer1kTokens.completion,
  );
}

interface Prepared {
  readonly juror: Juror;
  readonly messages: readonly ChatMessage[];
  readonly hash: string;
  readonly estimatedUsd: number;
}

/** Asks one juror; never rejects. Settles as soon as `signal` aborts, whatever the SDK does. */
async function askJuror(p: Prepared, signal: AbortSignal, env: RunJuryOptions['env']): Promise<Vote> {
  const { juror } = p;
  const started = performance.now();
  const base = { juror: juror.id, model: juror.model, family: juror.family, promptHash: p.hash };
  const failed = (status: VoteStatus, detail: string, tokens = { prompt: 0, completion: 0 }): Vote => ({
    ...base,
    verdict: null,
    status,
    confidence: null,
    rationale: null,
    risk_flags: [],
    detail,
    latencyMs: Math.round(performance.now() - started),
    tokens,
    costUsd: costOf(juror, tokens.prompt, tokens.completion),
  });
  const aborted = (): Vote => {
    const reason: unknown = signal.reason;
    if (reason === NOT_NEEDED) return failed('not_needed', 'outcome decided before this juror answered');
    if (reason === TIMEOUT) return failed('timeout', `no answer within ${juror.timeoutMs} ms`);
    return failed('error', 'panel run aborted by the caller');
  };

  const apiKey = (env ?? process.env)[juror.apiKeyEnv];
  if (!apiKey) return failed('error', `environment variable ${juror.apiKeyEnv} is not set`);
  if (signal.aborted) return aborted();

  const onAbort = new Promise<Vote>((resolve) =>
    signal.addEventListener('abort', () => resolve(aborted()), { once: true }),
  );
  const call = (async (): Promise<Vote> => {
    try {
      const res = await clientFor(juror, apiKey).chat.completions.create(
        {
          model: juror.model,
          messages: p.messages.map((m) => ({ role: m.role, content: m.content })),
          temperature: juror.temperature,
          // max_tokens, not max_completion_tokens: the one every OpenAI-compatible server accepts.
          max_tokens: juror.maxTokens,
          response_format: VERDICT_RESPONSE_FORMAT,
        },
        { signal },
      );
      const tokens = { prompt: res.usage?.prompt_tokens ?? 0, completion: res.usage?.completion_tokens ?? 0 };
      const choice = res.choices[0];
      if (!choice) return failed('invalid', 'no choices in the response', tokens);
      if (choice.message.refusal) return failed('refused', choice.message.refusal.slice(0, 500), tokens);
      if (choice.finish_reason === 'content_filter')
        return failed('refused', 'finish_reason content_filter', tokens);
      if (choice.finish_reason === 'length')
        return failed('invalid', 'answer truncated (finish_reason length)', tokens);
      const v = parseVerdict(choice.message.content);
      if (!v) return failed('invalid', 'content is not a valid verdict', tokens);
      return {
        ...base,
        verdict: v.verdict,
        status: 'ok',
        confidence: v.confidence,
        rationale: v.rationale,
        risk_flags: v.risk_flags,
        latencyMs: Math.round(performance.now() - started),
        tokens,
        costUsd: costOf(juror, tokens.prompt, tokens.completion),
      };
    } catch (err) {
      if (signal.aborted) return aborted();
      if (err instanceof APIConnectionTimeoutError) return failed('timeout', 'SDK request timeout');
      if (err instanceof APIError && err.status !== undefined) return failed('error', `HTTP ${err.status}`);
      return failed('error', (err as Error).message?.slice(0, 200) || 'unknown error');
    }
  })();
  return Promise.race([call, onAbort]);
}

/**
 * Asks every juror of `panel` about `request`, in parallel, and combines the votes under the
 * panel's rule. Resolves `needs_approval` on anything short of enough valid approvals; rejects
 * only when `opts.signal` aborts (with its reason) or a request cannot be serialized.
 *
 * @example
 * ```ts
 * const panel = loadPanel('judges/panel.json');
 * const result = await runJury(
 *   panel,
 *   {
 *     command: { action_id: 'rt-1', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
 *     policy: { risk: 'MEDIUM', reasons: ['token refresh is judged'] },
 *     history: { service: { attempts_1h: 1, denials_1h: 0 }, agent: { attempts_1h: 3, denials_1h: 0 } },
 *   },
 *   { signal: AbortSignal.timeout(30_000) },
 * );
 * if (result.outcome === 'approve') execute(); else markNeedsApproval(result.votes);
 * ```
 */
export function runJury(panel: Panel, request: JuryRequest, opts: RunJuryOptions = {}): Promise<JuryResult> {
  const started = performance.now();
  const outer = opts.signal;
  if (outer?.aborted) return Promise.reject(outer.reason);

  const prepared: Prepared[] = panel.jurors.map((juror) => {
    const messages = buildMessages(juror, panel.rubricText, request);
    return {
      juror,
      messages,
      hash: promptHash(messages),
      estimatedUsd: costOf(juror, estimateTokens(messages), juror.maxTokens),
    };
  });
  const n = prepared.length;
  const required = requiredApprovals(panel.rule, n);
  const estimatedCostUsd = round6(prepared.reduce((s, p) => s + p.estimatedUsd, 0));
  if (estimatedCostUsd > panel.costBudgetUsd) {
    return Promise.resolve({
      outcome: 'needs_approval',
      votes: [],
      approvals: 0,
      required,
      wallMs: Math.round(performance.now() - started),
      costUsd: 0,
      estimatedCostUsd,
      skipped: 'over_budget',
    });
  }

  const decided = new AbortController();
  return new Promise<JuryResult>((resolve, reject) => {
    const votes = new Array<Vote>(n);
    let settled = 0;
    let approvals = 0;
    const timers: NodeJS.Timeout[] = [];
    const onOuterAbort = () => decided.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });

    prepared.forEach((p, i) => {
      const own = new AbortController();
      const timer = setTimeout(() => own.abort(TIMEOUT), p.juror.timeoutMs);
      timers.push(timer);
      // The juror's own reason wins: a timeout is a timeout even if the panel decided meanwhile.
      const signal = AbortSignal.any([own.signal, decided.signal]);
      void askJuror(p, signal, opts.env).then((vote) => {
        clearTimeout(timer);
        votes[i] = vote;
        settled++;
        if (vote.status === 'ok' && vote.verdict === 'approve') approvals++;
        if (!decided.signal.aborted && (approvals >= required || approvals + (n - settled) < required)) {
          decided.abort(NOT_NEEDED);
        }
        if (settled < n) return;
        for (const t of timers) clearTimeout(t);
        outer?.removeEventListener('abort', onOuterAbort);
        if (outer?.aborted) {
          reject(outer.reason);
          return;
        }
        const costUsd = round6(votes.reduce((s, v) => s + v.costUsd, 0));
        resolve({
          outcome: approvals >= required ? 'approve' : 'needs_approval',
          votes,
          approvals,
          required,
          wallMs: Math.round(performance.now() - started),
          costUsd,
          estimatedCostUsd,
        });
      });
    });
  });
}
