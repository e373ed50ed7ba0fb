/**
 * `npm run bench:halt -- [--json] [--rounds 3] [--every-ms 4] [--after-ms 1500]`
 *
 * Two real daemon processes share one queue, one Postgres ledger (a fresh schema) and one kill
 * switch; commands are enqueued continuously (one every `--every-ms`) and executed through the
 * Apps Script stand-in behind a proxy that notes when each call arrives. Each round halts the
 * master switch over HTTP on one replica, keeps the load going for `--after-ms`, counts the
 * connector calls that started after the halt returned, then releases.
 *
 * Targets (issue 6): zero calls after the halt returns; the halt returns within 250 ms.
 * Needs Redis and Postgres (TEST_DATABASE_URL, default the local server).
 */
import { eventually } from '../tests/support/daemon-process.ts';
import { startHaltRig } from '../tests/support/halt-load.ts';
import { requirePostgres } from '../tests/support/pg.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
function num(flag: string, dflt: number): number {
  const i = args.indexOf(flag);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`${flag} must be a positive number`);
    process.exit(2);
  }
  return v;
}
const ROUNDS = num('--rounds', 3);
const EVERY_MS = num('--every-ms', 4);
const AFTER_MS = num('--after-ms', 1_500);
const TARGET_MS = 250;

interface Round {
  readonly round: number;
  readonly replica: number;
  readonly halt_ms: number;
  readonly halt_server_ms: number;
  readonly acknowledged_by: number;
  readonly calls_before_halt: number;
  readonly calls_during_halt_request: number;
  readonly calls_after_return: number;
  readonly released_requeued: number;
}

async function main(): Promise<void> {
  await requirePostgres();
  const rig = await startHaltRig({ replicas: 2 });
  const rounds: Round[] = [];
  try {
    rig.startLoad(EVERY_MS);
    for (let i = 0; i < ROUNDS; i++) {
      const base = rig.proxy.postsSince(0).length;
      await eventually(
        async () => (rig.proxy.postsSince(0).length >= base + 40 ? true : undefined),
        60_000,
        10,
      );
      const replica = i % 2;
      const h = await rig.control(replica, 'halt', { reason: `bench round ${i + 1}` });
      if (h.status !== 200) throw new Error(`halt answered ${h.status}: ${JSON.stringify(h.body)}`);
      await new Promise((r) => setTimeout(r, AFTER_MS));
      const all = rig.proxy.postsSince(0);
      const r = await rig.control(1 - replica, 'release', { reason: `bench round ${i + 1} done` });
      if (r.status !== 200) throw new Error(`release answered ${r.status}: ${JSON.stringify(r.body)}`);
      rounds.push({
        round: i + 1,
        replica,
        halt_ms: h.returnedAt - h.sentAt,
        halt_server_ms: Math.round(Number(h.body.ms) * 10) / 10,
        acknowledged_by: (h.body.acknowledged_by as string[]).length,
        calls_before_halt: all.filter((c) => c.at <= h.sentAt).length,
        calls_during_halt_request: all.filter((c) => c.at > h.sentAt && c.at <= h.returnedAt).length,
        calls_after_return: all.filter((c) => c.at > h.returnedAt).length,
        released_requeued: Number(r.body.requeued ?? 0),
      });
    }
  } finally {
    await rig.stopLoad();
    await rig.close();
  }
  const worst = Math.max(...rounds.map((r) => r.halt_ms));
  const after = rounds.reduce((n, r) => n + r.calls_after_return, 0);
  const out = {
    replicas: 2,
    rounds,
    halt_ms_max: worst,
    calls_after_return_total: after,
    target: { calls_after_return: 0, halt_ms_max: TARGET_MS },
    pass: after === 0 && worst <= TARGET_MS,
  };
  if (json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(
      `halt: 2 daemon processes, one command every ${EVERY_MS} ms, ${ROUNDS} round(s), Node ${process.version}\n`,
    );
    console.log('round  replica  halt returned  acked  calls after return  calls during request  requeued');
    for (const r of rounds) {
      console.log(
        `${String(r.round).padStart(5)}  ${String(r.replica).padStart(7)}  ${`${r.halt_ms} ms`.padStart(13)}  ${String(r.acknowledged_by).padStart(5)}  ${String(r.calls_after_return).padStart(18)}  ${String(r.calls_during_halt_request).padStart(20)}  ${String(r.released_requeued).padStart(8)}`,
      );
    }
    console.log(
      `\ntargets: zero calls after return (${after}) and halt ≤ ${TARGET_MS} ms (worst ${worst} ms) → ${out.pass ? 'ok' : 'MISSED'}`,
    );
  }
  process.exit(out.pass ? 0 : 1);
}

await main();
