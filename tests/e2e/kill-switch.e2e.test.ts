/**
 * The kill switch with two real daemon processes under continuous load: a halt returns only
 * once both replicas stopped (no connector call starts after it returned, counted at a proxy in
 * front of the Apps Script stand-in), held commands run exactly once after the release, the
 * state survives a restart, and the CLI reports it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, ROOT, startDaemonProcess } from '../support/daemon-process.ts';
import { type HaltRig, ONCALL, ONCALL_2, startHaltRig } from '../support/halt-load.ts';
import { requirePostgres } from '../support/pg.ts';

const run = promisify(execFile);

describe('halt with two daemon processes under continuous load', () => {
  let rig: HaltRig | undefined;
  afterAll(async () => {
    await rig?.stopLoad();
    await rig?.close();
  });

  it('stops every replica before returning, holds, releases once each, and survives a restart', async () => {
    await requirePostgres();
    rig = await startHaltRig({ replicas: 2, env: { KILL_SWITCH_TWO_PERSON: 'true' } });
    const db = new pg.Client({ connectionString: rig.env.DATABASE_URL });
    await db.connect();
    const statuses = async (): Promise<Record<string, number>> => {
      const r = await db.query<{ status: string; n: string }>(
        'select status, count(*) as n from actions group by status',
      );
      return Object.fromEntries(r.rows.map((x) => [x.status, Number(x.n)]));
    };
    try {
      const before = await rig.control(0, 'status', {});
      expect(before.status).toBe(200);
      expect((before.body.replicas as unknown[]).length).toBe(2);

      rig.startLoad(4);
      await eventually(async () => (rig!.proxy.postsSince(0).length >= 40 ? true : undefined), 60_000, 20);

      const halt = await rig.control(0, 'halt', { reason: 'policy bypass drill' });
      expect(halt.status).toBe(200);
      expect((halt.body.acknowledged_by as string[]).length).toBe(2);
      const haltMs = halt.returnedAt - halt.sentAt;
      // Keep the load going: nothing may reach the bridge any more.
      await new Promise((r) => setTimeout(r, 1_500));
      const after = rig.proxy.postsSince(halt.returnedAt);
      console.info(
        `halt returned in ${haltMs} ms; connector calls started after it returned: ${after.length}`,
      );
      expect(after).toEqual([]);
      await rig.stopLoad();
      expect(haltMs).toBeLessThan(2_000);

      const held = await eventually(async () => {
        const s = await statuses();
        const waiting = (s.QUEUED ?? 0) + (s.EVALUATING ?? 0) + (s.ALLOWED ?? 0);
        return waiting === 0 && (s.HELD ?? 0) > 0 ? s : undefined;
      }, 30_000);
      expect(held.EXECUTING ?? 0).toBe(0);

      // Two-person rule: alice asks, alice cannot confirm, bob confirms.
      const first = await rig.control(1, 'release', { reason: 'drill over' });
      expect(first.status).toBe(202);
      const same = await rig.control(0, 'release', { reason: 'drill over, really' });
      expect(same.status).toBe(409);
      expect((same.body.error as { code: string }).code).toBe('ORC_ERR_CONTROL_SAME_PERSON');
      const rel = await rig.control(0, 'release', { reason: 'confirmed' }, ONCALL_2);
      expect(rel.status).toBe(200);
      expect(rel.body.requeued).toBe(held.HELD);

      const total = rig.enqueued.length;
      const done = await eventually(
        async () => {
          const s = await statuses();
          return (s.SUCCESS ?? 0) === total ? s : undefined;
        },
        60_000,
        250,
      );
      expect(done.SUCCESS).toBe(total);
      for (const id of rig.enqueued) expect(rig.standin.executions(id)).toBe(1);

      // Restart: halt again, replace one replica; the new process comes up halted.
      const again = await rig.control(1, 'halt', { reason: 'restart drill' });
      expect(again.status).toBe(200);
      await rig.daemons[0]!.stop();
      const fresh = await startDaemonProcess(rig.env, 60_000);
      rig.daemons[0] = fresh;
      const st = await rig.control(0, 'status', {});
      expect(st.body).toMatchObject({ version: again.body.version, master: { halted: true, by: 'alice' } });

      // The CLI, over HTTP, as on-call staff would run it.
      const cli = await run(process.execPath, ['daemon/cli/main.ts', 'status'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ORCHESTRATOR_URL: fresh.url, ORCHESTRATOR_TOKEN: ONCALL },
      });
      expect(cli.stdout).toContain('master: HALTED by alice');
      expect(cli.stdout).toContain('replicas: 2');

      const flips = await db.query<{ operation: string; subject: string }>(
        'select operation, subject from kill_switch_flips order by id',
      );
      expect(flips.rows.map((f) => `${f.operation}:${f.subject}`)).toEqual([
        'halt:alice',
        'release_requested:alice',
        'release:bob',
        'halt:alice',
      ]);
    } finally {
      await db.end();
    }
  }, 240_000);
});
