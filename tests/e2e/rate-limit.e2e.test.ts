/**
 * Two real daemon processes on one queue, one Postgres ledger and one Redis, with a rate limit
 * on the Apps Script connector: together they never call the peer faster than configured, and
 * both of them do work (the limit is shared, not per process).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { enqueueCommand } from '../../daemon/sdk/index.ts';
import { startAppsScriptStandIn } from '../support/apps-script-standin.ts';
import { type DaemonProcess, eventually, randomName, startDaemonProcess } from '../support/daemon-process.ts';
import { requirePostgres } from '../support/pg.ts';

const SECRET = 'standin-secret-rate-limit-e2e-0123';
const ONCALL = 'oncall-token-rate-limit-0123456789';
const LIMIT = 8; // calls per second, shared by both daemons
const BURST = 4;
const COMMANDS = 48;
const PG_ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('a connector rate limit shared by two daemon processes', () => {
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it('keeps their combined calls within the limit, with both doing work', async () => {
    await requirePostgres();
    // One fresh database both daemons share (the daemon takes its schema from the URL's database).
    const db = `orch_rl_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(`create database ${db}`);
    cleanup.push(async () => {
      await admin.query(`drop database if exists ${db} with (force)`);
      await admin.end();
    });
    const url = new URL(PG_ADMIN);
    url.pathname = `/${db}`;

    const standin = await startAppsScriptStandIn({ secret: SECRET });
    cleanup.push(() => standin.close());
    const queue = randomName('rl');
    const base = {
      DATABASE_URL: url.toString(),
      ORCHESTRATOR_QUEUES: queue,
      DEAD_LETTER_QUEUE: `${queue}-dead`,
      ORCHESTRATOR_AUTH_TOKENS: `oncall:alice:${ONCALL}`,
      APPS_SCRIPT_URL: standin.url,
      APPS_SCRIPT_SECRET: SECRET,
      POLICY_WATCH: 'false',
      WORKER_CONCURRENCY: '8',
      CONNECTOR_RESILIENCE: JSON.stringify({
        'apps-script': { rateLimit: { limit: LIMIT, periodMs: 1_000, burst: BURST, maxWaitMs: 60_000 } },
      }),
    };
    const daemons: DaemonProcess[] = [];
    for (let i = 0; i < 2; i++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'orch-rl-'));
      cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
      // Both share the history counters, as replicas of one deployment do.
      const d = await startDaemonProcess({
        ...base,
        DATA_DIR: dataDir,
        HISTORY_KEY_PREFIX: `${queue}-history`,
      });
      cleanup.push(() => d.stop());
      daemons.push(d);
    }

    const connection = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const ids = Array.from({ length: COMMANDS }, (_, i) => `rl-${i}`);
    await Promise.all(
      ids.map((id, i) =>
        enqueueCommand(
          { connection, queue, agentId: `agent-rl-${i % 4}` },
          { action_id: id, command_type: 'CHECK_INTEGRATION_STATUS', params: { service: 'mailchimp' } },
        ),
      ),
    );

    await eventually(
      async () => {
        const done = await Promise.all(
          ids.map(async (id) => {
            const r = await fetch(`${daemons[0]!.url}/v1/actions/${id}`, {
              headers: { authorization: `Bearer ${ONCALL}` },
            });
            return r.status === 200 && ((await r.json()) as { status: string }).status === 'SUCCESS';
          }),
        );
        return done.every(Boolean) || undefined;
      },
      60_000,
      250,
    );

    const calls = standin.requests
      .filter((r) => r.method === 'POST' && r.outcome === 'executed')
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(calls).toHaveLength(COMMANDS);
    // GCRA: at most `burst` at once plus `limit` per second after that, in any window.
    let worst = 0;
    for (let i = 0; i < calls.length; i++) {
      let j = i;
      while (j < calls.length && calls[j]! - calls[i]! < 1_000) j++;
      worst = Math.max(worst, j - i);
    }
    expect(worst).toBeLessThanOrEqual(LIMIT + BURST);
    // The whole run took as long as the limit demands: it was not per process.
    const span = calls.at(-1)! - calls[0]!;
    expect(span).toBeGreaterThanOrEqual(((COMMANDS - BURST) / LIMIT) * 1_000 * 0.9);

    // Both daemons called the peer.
    const perDaemon = await Promise.all(
      daemons.map(async (d) => {
        const text = await (await fetch(`${d.url}/metrics`)).text();
        const m = text.match(/^orchestrator_connector_requests_total\{[^}]*code="ok"[^}]*\} (\d+)/m);
        return Number(m?.[1] ?? 0);
      }),
    );
    expect(perDaemon.every((n) => n > 0)).toBe(true);
    expect(perDaemon.reduce((a, b) => a + b, 0)).toBe(COMMANDS);
  }, 120_000);
});
