import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJury } from '../../judges/jury.ts';
import type { PanelRule } from '../../judges/panel.ts';
import { ENV, REQUEST, testPanel } from '../support/jury-fixture.ts';
import { type OpenAIStandIn, type StandInBehaviour, startOpenAIStandIn } from '../support/openai-standin.ts';

let llm: OpenAIStandIn;
let run: string;

beforeAll(async () => {
  llm = await startOpenAIStandIn();
});
afterAll(async () => {
  await llm.close();
});
beforeEach(() => {
  llm.reset();
  run = randomBytes(4).toString('hex');
});

/** Scripts juror i (model `m-<run>-<i>`) and returns a panel of them. */
function jurors(
  behaviours: readonly StandInBehaviour[],
  opts: { rule?: PanelRule; timeoutMs?: number; costBudgetUsd?: number } = {},
) {
  behaviours.forEach((b, i) => {
    llm.script(`m-${run}-${i}`, b);
  });
  return testPanel(llm.baseUrl, run, { n: behaviours.length, ...opts });
}

const approve = (latencyMs = 0): StandInBehaviour => ({ verdict: 'approve', latencyMs });
const reject = (latencyMs = 0): StandInBehaviour => ({ verdict: 'reject', latencyMs, risk_flags: ['burst'] });

describe('majority of three', () => {
  it('2 of 3 approve → approve, with every vote recorded', async () => {
    const panel = jurors([approve(), reject(20), approve(60)]);
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r.outcome).toBe('approve');
    expect(r.approvals).toBe(2);
    expect(r.required).toBe(2);
    expect(r.votes.map((v) => [v.juror, v.status, v.verdict])).toEqual([
      ['juror-0', 'ok', 'approve'],
      ['juror-1', 'ok', 'reject'],
      ['juror-2', 'ok', 'approve'],
    ]);
    const v = r.votes[1]!;
    expect(v.model).toBe(`m-${run}-1`);
    expect(v.risk_flags).toEqual(['burst']);
    expect(v.confidence).toBe(0.9);
    expect(v.tokens).toEqual({ prompt: 420, completion: 60 });
    expect(v.costUsd).toBeCloseTo(0.42 * 0.001 + 0.06 * 0.002, 9);
    expect(r.costUsd).toBeCloseTo(3 * v.costUsd, 6);
    expect(v.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(r.votes.map((x) => x.promptHash)).size).toBe(3); // personas differ
  });

  it('aborts the slow third juror once two have approved, and records it not_needed', async () => {
    const panel = jurors([approve(10), approve(30), approve(5_000)]);
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r.outcome).toBe('approve');
    expect(r.wallMs).toBeLessThan(2_000);
    const third = r.votes[2]!;
    expect(third).toMatchObject({
      status: 'not_needed',
      verdict: null,
      tokens: { prompt: 0, completion: 0 },
    });
    expect(third.latencyMs).toBeLessThan(2_000);
    await expect.poll(() => llm.requests.find((q) => q.model === `m-${run}-2`)?.clientAborted).toBe(true);
  });

  it('1 of 3 → needs_approval; decided as soon as approval is impossible', async () => {
    const panel = jurors([reject(), reject(20), { fail: 'hang' }]);
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes.map((v) => v.status)).toEqual(['ok', 'ok', 'not_needed']);
  });

  it('1 of 3 approving with all answering → needs_approval', async () => {
    const r = await runJury(jurors([approve(), reject(), reject(10)]), REQUEST, { env: ENV });
    expect(r.outcome).toBe('needs_approval');
    expect(r.approvals).toBe(1);
  });
});

describe('fail closed', () => {
  it('a juror that times out is no approval', async () => {
    const panel = jurors([approve(), { fail: 'hang' }, reject()], { timeoutMs: 300 });
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes[1]).toMatchObject({ status: 'timeout', verdict: null, detail: 'no answer within 300 ms' });
    expect(r.votes[1]!.latencyMs).toBeGreaterThanOrEqual(250);
  });

  it.each([
    ['garbage', { fail: 'garbage' }, 'invalid'],
    ['HTTP 500', { fail: 'http500' }, 'error'],
    ['a refusal', { fail: 'refusal' }, 'refused'],
    ['a truncated answer', { fail: 'length' }, 'invalid'],
    ['a verdict outside the schema', { confidence: 1.5 }, 'invalid'],
    ['an over-long rationale', { rationale: 'x'.repeat(501) }, 'invalid'],
  ] as const)('%s is no approval', async (_name, bad, status) => {
    const panel = jurors([approve(), bad, reject(20)]);
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes[1]).toMatchObject({ status, verdict: null });
    expect(r.votes[1]!.detail).toBeTruthy();
  });

  it('a juror whose endpoint is unreachable is no approval', async () => {
    llm.script(`m-${run}-0`, approve());
    llm.script(`m-${run}-2`, approve(20));
    const panel = testPanel(llm.baseUrl, run, { rule: 'unanimous' });
    const broken = {
      ...panel,
      jurors: panel.jurors.map((j, i) => (i === 1 ? { ...j, baseUrl: 'http://127.0.0.1:1/v1' } : j)),
    };
    const r = await runJury(broken, REQUEST, { env: ENV });
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes[1]!.status).toBe('error');
  });

  it('a juror whose key variable is unset at run time is no approval, and is not called', async () => {
    const panel = jurors([approve(), approve(), approve()], { rule: 'unanimous' });
    const r = await runJury(panel, REQUEST, { env: {} });
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes.every((v) => v.status === 'error' && /JURY_TEST_KEY/.test(v.detail ?? ''))).toBe(true);
    expect(llm.requests).toHaveLength(0);
  });

  it('over budget: asks no juror and needs approval', async () => {
    const panel = jurors([approve(), approve(), approve()], { costBudgetUsd: 0.0001 });
    const r = await runJury(panel, REQUEST, { env: ENV });
    expect(r).toMatchObject({ outcome: 'needs_approval', skipped: 'over_budget', votes: [] });
    expect(r.estimatedCostUsd).toBeGreaterThan(0.0001);
    expect(llm.requests).toHaveLength(0);
  });

  it("the caller's abort cancels every juror and rejects", async () => {
    const panel = jurors([{ fail: 'hang' }, { fail: 'hang' }, { fail: 'hang' }]);
    const ac = new AbortController();
    const p = runJury(panel, REQUEST, { env: ENV, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('shutting down')), 50);
    await expect(p).rejects.toThrow('shutting down');
    await expect.poll(() => llm.requests.filter((q) => q.clientAborted).length).toBe(3);
  });
});

describe('rules', () => {
  it('unanimous: one reject → needs_approval; all approve → approve', async () => {
    expect(
      (
        await runJury(jurors([approve(), approve(10), reject(20)], { rule: 'unanimous' }), REQUEST, {
          env: ENV,
        })
      ).outcome,
    ).toBe('needs_approval');
    run = randomBytes(4).toString('hex');
    const r = await runJury(jurors([approve(), approve(10), approve(20)], { rule: 'unanimous' }), REQUEST, {
      env: ENV,
    });
    expect(r.outcome).toBe('approve');
    expect(r.votes.every((v) => v.status === 'ok')).toBe(true);
  });

  it('unanimous stops at the first reject', async () => {
    const r = await runJury(
      jurors([reject(), approve(3_000), approve(3_000)], { rule: 'unanimous' }),
      REQUEST,
      { env: ENV },
    );
    expect(r.outcome).toBe('needs_approval');
    expect(r.votes.map((v) => v.status)).toEqual(['ok', 'not_needed', 'not_needed']);
  });

  it('k_of_n: 1 of 3 suffices with k=1; 3 of 4 needed with k=3', async () => {
    const one = await runJury(
      jurors([reject(), approve(10), { fail: 'hang' }], { rule: { k_of_n: 1 } }),
      REQUEST,
      { env: ENV },
    );
    expect(one.outcome).toBe('approve');
    expect(one.votes[2]!.status).toBe('not_needed');

    run = randomBytes(4).toString('hex');
    const four = jurors([approve(), approve(), reject(), approve(20)], { rule: { k_of_n: 3 } });
    expect((await runJury(four, REQUEST, { env: ENV })).outcome).toBe('approve');
    run = randomBytes(4).toString('hex');
    const short = jurors([approve(), approve(), reject(), { fail: 'garbage' }], { rule: { k_of_n: 3 } });
    expect((await runJury(short, REQUEST, { env: ENV })).outcome).toBe('needs_approval');
  });
});

describe('requests sent', () => {
  it('use structured outputs, the juror model, temperature and token cap', async () => {
    await runJury(jurors([approve(), approve(), approve()], { rule: 'unanimous' }), REQUEST, { env: ENV });
    expect(llm.requests).toHaveLength(3);
    const body = llm.requests.find((q) => q.model === `m-${run}-0`)!.body;
    expect(body).toMatchObject({
      temperature: 0,
      max_tokens: 400,
      response_format: { type: 'json_schema', json_schema: { name: 'juror_verdict', strict: true } },
    });
    expect(body.messages).toHaveLength(2);
  });
});
