/**
 * `npm run conformance -- [--json] [--verbose] [dir…]`
 *
 * Runs OPA's conformance cases (default `../shared/rego-conformance`), prints a table per
 * category and `N passed, N failed, N skipped`, and exits 1 when the pass rate is below the
 * floor kept in `rego/conformance/floor.json` (raised as the engine improves).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, runSuite, type SkipEntry } from '../conformance/runner.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const json = args.includes('--json');
const verbose = args.includes('--verbose');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) dirs.push(resolve(here, '../../../shared/rego-conformance'));

const skips = JSON.parse(readFileSync(join(here, '../conformance/skips.json'), 'utf8')) as SkipEntry[];
const floor = JSON.parse(readFileSync(join(here, '../conformance/floor.json'), 'utf8')) as {
  minPassRate: number;
};

let results: CaseResult[];
try {
  results = runSuite(dirs, skips);
} catch (e) {
  console.error(`conformance: cannot run: ${(e as Error).message}`);
  process.exit(2);
}

const count = (o: string): number => results.filter((r) => r.outcome === o).length;
const passed = count('passed');
const failed = count('failed');
const skipped = count('skipped');
const total = results.length;
const rate = total === 0 ? 0 : passed / total;

if (json) {
  const failures = results
    .filter((r) => r.outcome === 'failed')
    .map((r) => ({ note: r.note, file: r.file, reason: r.reason ?? '' }));
  const skippedList = results
    .filter((r) => r.outcome === 'skipped')
    .map((r) => ({ note: r.note, file: r.file, reason: r.reason ?? '' }));
  console.log(JSON.stringify({ passed, failed, skipped, total, failures, skips: skippedList }, null, 2));
} else {
  const byCat = new Map<string, { p: number; f: number; s: number }>();
  for (const r of results) {
    const c = byCat.get(r.category) ?? { p: 0, f: 0, s: 0 };
    if (r.outcome === 'passed') c.p++;
    else if (r.outcome === 'failed') c.f++;
    else c.s++;
    byCat.set(r.category, c);
  }
  const w = Math.max(8, ...[...byCat.keys()].map((k) => k.length));
  console.log(`${'category'.padEnd(w)}  passed  failed  skipped`);
  for (const [cat, c] of [...byCat].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(
      `${cat.padEnd(w)}  ${String(c.p).padStart(6)}  ${String(c.f).padStart(6)}  ${String(c.s).padStart(7)}`,
    );
  }
  const shown = results.filter((r) => r.outcome === 'failed');
  if (shown.length > 0) {
    console.log('\nfailures:');
    for (const r of verbose ? shown : shown.slice(0, 40))
      console.log(`  ${r.file} :: ${r.note}\n      ${r.reason}`);
    if (!verbose && shown.length > 40) console.log(`  … ${shown.length - 40} more (--verbose shows all)`);
  }
  console.log(`\npass rate ${(rate * 100).toFixed(1)}% (floor ${(floor.minPassRate * 100).toFixed(1)}%)`);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
}
process.exit(rate + 1e-9 < floor.minPassRate ? 1 : 0);
