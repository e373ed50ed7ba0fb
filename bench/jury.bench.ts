/**
 * Jury benchmark: a three-juror panel against the local OpenAI stand-in
 * (`tests/support/openai-standin.ts`) with scripted juror latencies, run N times.
 *
 * Usage: `node bench/jury.bench.ts [--json] [--rounds N] [--latencies 120,200,300] [--strict]`
 * (`npm run bench:jury`).
 *
 * Two scenarios, each measured in this run against baselines measured in the same run:
 * - `unanimous`: every juror must answer, so the panel can finish no sooner than the slowest
 *   juror. Baselines, in every round: each juror asked alone (a one-juror panel, timed the same
 *   way); the slowest of them, and their sum (`sequential`). Panel wall time against the slowest
 *   is the cost of running a panel (target ≤ 1.1×); against the sum, the gain of asking in
 *   parallel.
 * - `majority`: all approve, so the panel is decided by the two fastest and the slowest is
 *   aborted (`not_needed`): wall time below the slowest juror.
 *
 * Missing the target is reported (`pass: false`) but only fails the run with `--strict`.
 */
import { runJury } from '../judges/jury.ts';
import { type Panel, parsePanel } from '../judges/panel.ts';
import type { JuryRequest } from '../judges/prompt.ts';
import { startOpenAIStandIn } from '../tests/support/openai-standin.ts';

const TARGET_RATIO_MAX = 1.1; // unanimous panel wall p50 / slowest juror p50

interface Args {
  json: boolean;
  rounds: number;
  latencies: number[];
  strict: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, rounds: 10, latencies: [120, 200, 300], strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--strict') args.strict = true;
    else if (a === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--rounds needs a positive integer');
      args.rounds = n;
    } else if (a === '--latencies') {
      const ls = (argv[++i] ?? '').split(',').map(Number);
      if (ls.length < 2 || ls.some((l) => !Number.isInteger(l) || l < 0)) {
        throw new Error('--latencies needs two or more comma-separated milliseconds');
      }
      args.latencies = ls;
    } else
      throw new Error(
        `unknown option ${a}\nusage: node bench/jury.bench.ts [--json] [--rounds N] [--latencies 120,200,300] [--strict]`,
      );
  }
  return args;
}

const REQUEST: JuryRequest = {
  command: { action_id: 'bench-1', command_type: 'REFRESH_TOKEN', params: { service: 'google' } },
  policy: { risk: 'MEDIUM', reasons: ['credential refresh is reviewed by the jury'] },
  history: { service: { attempts_1h: 0, denials_1h: 0 }, agent: { attempts_1h: 1, denials_1h: 0 } },
};
const ENV = { JURY_BENCH_KEY: 'sk-bench' };
const FAMILIES = ['openai', 'google', 'mistral', 'meta', 'qwen'];
const PERSONAS = ['security', 'compliance', 'business'];

function panelOf(baseUrl: string, n: number, rule: 'majority' | 'unanimous', only?: number): Panel {
  const ids = only === undefined ? [...Array(n).keys()] : [only];
  return parsePanel(
    {
      rule,
      costBudgetUsd: 1,
      allowSingleFamily: only !== undefined,
      jurors: ids.map((i) => ({
        id: `juror-${i}`,
        persona: `prompts/${PERSONAS[i % PERSONAS.length]}.md`,
        model: `bench-${i}`,
        family: FAMILIES[i % FAMILIES.length],
        baseUrl,
        apiKeyEnv: 'JURY_BENCH_KEY',
        pricePer1kTokens: { prompt: 0.0004, completion: 0.0016 },
      })),
    },
    { baseDir: new URL('../judges/', import.meta.url).pathname, env: ENV },
  );
}

function ms(x: number): number {
  return Math.round(x * 10) / 10;
}

function p50(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const llm = await startOpenAIStandIn();
  try {
    args.latencies.forEach((latencyMs, i) => {
      llm.script(`bench-${i}`, { verdict: 'approve', latencyMs });
    });
    const n = args.latencies.length;
    const unanimous = panelOf(llm.baseUrl, n, 'unanimous');
    const majority = panelOf(llm.baseUrl, n, 'majority');
    const singles = args.latencies.map((_, i) => panelOf(llm.baseUrl, n, 'unanimous', i));

    // Warm-up: connections and JIT, not measured.
    await runJury(unanimous, REQUEST, { env: ENV });

    const timed = async (panel: Panel) => {
      const t0 = performance.now();
      const r = await runJury(panel, REQUEST, { env: ENV });
      if (r.outcome !== 'approve') throw new Error(`unexpected outcome: ${JSON.stringify(r.votes)}`);
      return performance.now() - t0;
    };
    const uWall: number[] = [];
    const uSlowest: number[] = [];
    const mWall: number[] = [];
    const seq: number[] = [];
    for (let r = 0; r < args.rounds; r++) {
      uWall.push(await timed(unanimous));
      mWall.push(await timed(majority));
      const alone: number[] = [];
      for (const single of singles) alone.push(await timed(single));
      uSlowest.push(Math.max(...alone));
      seq.push(alone.reduce((a, b) => a + b, 0));
    }

    const slowest = p50(uSlowest);
    const result = {
      rounds: args.rounds,
      scripted_latencies_ms: args.latencies,
      unanimous: {
        wall_p50_ms: ms(p50(uWall)),
        slowest_juror_p50_ms: ms(slowest),
        ratio_vs_slowest: Math.round((p50(uWall) / slowest) * 1000) / 1000,
        ratio_vs_sequential: Math.round((p50(uWall) / p50(seq)) * 1000) / 1000,
      },
      majority: {
        wall_p50_ms: ms(p50(mWall)),
        ratio_vs_slowest: Math.round((p50(mWall) / slowest) * 1000) / 1000,
      },
      sequential_p50_ms: ms(p50(seq)),
      target: { ratio_vs_slowest_max: TARGET_RATIO_MAX },
      pass: p50(uWall) / slowest <= TARGET_RATIO_MAX,
    };

    if (args.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(
        `jury panel: ${n} jurors scripted at ${args.latencies.join(', ')} ms, ${args.rounds} rounds, Node ${process.version}\n`,
      );
      const row = (name: string, ms: number, note: string) =>
        console.log(`${name.padEnd(34)}${`${ms.toFixed(1)} ms`.padStart(9)}   ${note}`);
      row('slowest juror asked alone (p50)', slowest, 'baseline');
      row(
        'panel, unanimous (p50)',
        result.unanimous.wall_p50_ms,
        `${result.unanimous.ratio_vs_slowest}× slowest`,
      );
      row(
        'panel, majority (p50)',
        result.majority.wall_p50_ms,
        `${result.majority.ratio_vs_slowest}× slowest (third aborted)`,
      );
      row(
        'sequential, one by one (p50)',
        result.sequential_p50_ms,
        `panel is ${result.unanimous.ratio_vs_sequential}× of it`,
      );
      console.log(
        `\ntarget unanimous ≤ ${TARGET_RATIO_MAX}× slowest: ${result.pass ? 'ok' : 'MISSED'} (${result.unanimous.ratio_vs_slowest}×)`,
      );
    }
    return args.strict && !result.pass ? 1 : 0;
  } finally {
    await llm.close();
  }
}

process.exitCode = await main();
