/**
 * Policy decision benchmark: the shipped Rego policy (`data.orchestrator.decision`, evaluated by
 * our interpreter) against the same policy written by hand in TypeScript
 * (`bench/policy-baseline.ts`), both measured in this process on the inputs of
 * `bench/policy-commands.ts`.
 *
 * Usage: `node bench/policy.bench.ts [--json] [--rounds N] [--warmup N] [--strict]`
 * (`npm run bench:policy`).
 *
 * It first checks that both give the same decision for every input (exit 1 with a diff if not),
 * then times each evaluation with `process.hrtime.bigint()` and reports ops/s, p50 and p99.
 * Targets: Rego p99 ≤ 100 µs per decision and Rego p50 ≤ 30× the baseline's. Missing a target
 * is reported (`pass: false`) but only fails the run with `--strict`: timings depend on the
 * machine, so they are never assertions in `npm test`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type Policy, toJSON } from '../rego/index.ts';
import { type Decision, decide, type OrchestratorConfig } from './policy-baseline.ts';
import { POLICY_COMMANDS } from './policy-commands.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const POLICY_FILE = 'policies/orchestrator.rego';
const DATA_FILE = 'policies/data.json';
const ENTRYPOINT = 'data.orchestrator.decision';

const TARGETS = {
  p99_us_max: 100, // Rego, per decision
  ratio_p50_max: 30, // Rego p50 / baseline p50
};

interface Args {
  json: boolean;
  rounds: number;
  warmup: number;
  strict: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, rounds: 20_000, warmup: 2_000, strict: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} needs a positive integer`);
      return n;
    };
    if (a === '--json') args.json = true;
    else if (a === '--strict') args.strict = true;
    else if (a === '--rounds') args.rounds = num();
    else if (a === '--warmup') args.warmup = num();
    else
      throw new Error(
        `unknown option ${a}\nusage: node bench/policy.bench.ts [--json] [--rounds N] [--warmup N] [--strict]`,
      );
  }
  return args;
}

interface Stats {
  ops_per_sec: number;
  p50_us: number;
  p99_us: number;
}

function percentile(sortedNs: Float64Array, q: number): number {
  const i = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(q * sortedNs.length) - 1));
  return sortedNs[i]!;
}

function stats(samplesNs: Float64Array): Stats {
  let total = 0;
  for (const s of samplesNs) total += s;
  const sorted = Float64Array.from(samplesNs).sort();
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    ops_per_sec: Math.round((samplesNs.length * 1e9) / total),
    p50_us: round(percentile(sorted, 0.5) / 1000),
    p99_us: round(percentile(sorted, 0.99) / 1000),
  };
}

/** Canonical JSON (sorted keys) so that key order never counts as a difference. */
function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v as object)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}

/** Checks Rego against the baseline on every representative input; returns the mismatches. */
function compareDecisions(policy: Policy, config: OrchestratorConfig): string[] {
  const problems: string[] = [];
  for (const c of POLICY_COMMANDS) {
    const rego = policy.evalRule(ENTRYPOINT, { input: c.input }).value;
    const got = rego === undefined ? undefined : toJSON(rego);
    const want: Decision = decide(c.input, config);
    if (canonical(got) !== canonical(want)) {
      problems.push(`${c.name}:\n  rego:     ${canonical(got)}\n  baseline: ${canonical(want)}`);
    } else if (want.action !== c.expect) {
      problems.push(`${c.name}: both say ${want.action}, policy-commands.ts expects ${c.expect}`);
    }
  }
  return problems;
}

function measure(
  fn: (input: unknown) => unknown,
  inputs: readonly unknown[],
  rounds: number,
  warmup: number,
) {
  let sink = 0;
  for (let r = 0; r < warmup; r++) for (const input of inputs) if (fn(input)) sink++;
  const samples = new Float64Array(rounds * inputs.length);
  const perInput = inputs.map(() => new Float64Array(rounds));
  let k = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < inputs.length; i++) {
      const t0 = process.hrtime.bigint();
      const out = fn(inputs[i]);
      const dt = Number(process.hrtime.bigint() - t0);
      if (out) sink++;
      samples[k++] = dt;
      perInput[i]![r] = dt;
    }
  }
  if (sink < 0) console.log(sink); // keeps the results observable so nothing is optimised away
  return { all: stats(samples), perInput: perInput.map(stats) };
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const text = readFileSync(join(ROOT, POLICY_FILE), 'utf8');
  const data = JSON.parse(readFileSync(join(ROOT, DATA_FILE), 'utf8')) as {
    orchestrator: { config: OrchestratorConfig };
  };
  const config = data.orchestrator.config;
  const policy = compile([{ name: POLICY_FILE, text }], { data });

  const problems = compareDecisions(policy, config);
  if (problems.length > 0) {
    console.error(
      `Rego and the baseline disagree on ${problems.length} input(s):\n\n${problems.join('\n\n')}`,
    );
    return 1;
  }

  const inputs = POLICY_COMMANDS.map((c) => c.input);
  const rego = measure(
    (input) => policy.evalRule(ENTRYPOINT, { input }).value,
    inputs,
    args.rounds,
    args.warmup,
  );
  const baseline = measure((input) => decide(input, config), inputs, args.rounds, args.warmup);
  const ratio = Math.round((rego.all.p50_us / baseline.all.p50_us) * 10) / 10;
  const pass = rego.all.p99_us <= TARGETS.p99_us_max && ratio <= TARGETS.ratio_p50_max;

  if (args.json) {
    console.log(
      JSON.stringify(
        { rego: rego.all, baseline: baseline.all, ratio_p50: ratio, targets: TARGETS, pass },
        null,
        2,
      ),
    );
  } else {
    const n = (x: number, w: number) => x.toLocaleString('en-US').padStart(w);
    const f = (x: number, w: number) => x.toFixed(2).padStart(w);
    console.log(
      `policy decision: ${inputs.length} inputs × ${args.rounds.toLocaleString('en-US')} rounds ` +
        `(after ${args.warmup.toLocaleString('en-US')} warm-up rounds), Node ${process.version}\n`,
    );
    console.log(
      `${'input'.padEnd(24)}${'rego p50 µs'.padStart(13)}${'baseline p50 µs'.padStart(17)}${'ratio'.padStart(9)}`,
    );
    POLICY_COMMANDS.forEach((c, i) => {
      const r = rego.perInput[i]!;
      const b = baseline.perInput[i]!;
      const ratioI = b.p50_us > 0 ? `${(r.p50_us / b.p50_us).toFixed(1)}×` : '-';
      console.log(`${c.name.padEnd(24)}${f(r.p50_us, 13)}${f(b.p50_us, 17)}${ratioI.padStart(9)}`);
    });
    console.log('');
    console.log(`${''.padEnd(24)}${'ops/s'.padStart(13)}${'p50 µs'.padStart(10)}${'p99 µs'.padStart(10)}`);
    console.log(
      `${'rego'.padEnd(24)}${n(rego.all.ops_per_sec, 13)}${f(rego.all.p50_us, 10)}${f(rego.all.p99_us, 10)}`,
    );
    console.log(
      `${'baseline (TypeScript)'.padEnd(24)}${n(baseline.all.ops_per_sec, 13)}${f(baseline.all.p50_us, 10)}${f(baseline.all.p99_us, 10)}`,
    );
    console.log('');
    const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
    console.log(
      `rego p99 ${rego.all.p99_us} µs (target ≤ ${TARGETS.p99_us_max} µs): ${mark(rego.all.p99_us <= TARGETS.p99_us_max)}`,
    );
    console.log(
      `ratio p50 rego/baseline ${ratio}× (target ≤ ${TARGETS.ratio_p50_max}×): ${mark(ratio <= TARGETS.ratio_p50_max)}`,
    );
    console.log(pass ? 'PASS' : 'targets missed');
  }
  return !pass && args.strict ? 1 : 0;
}

process.exitCode = main();
