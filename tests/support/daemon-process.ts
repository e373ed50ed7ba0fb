/**
 * Runs the real daemon as a child process (`node daemon/cli/main.ts start`) for end-to-end
 * tests, on a free port, and waits until `/readyz` answers 200.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface DaemonProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (no cleanup at all) and wait for exit. */
  kill(): Promise<void>;
}

/**
 * Starts the daemon with the given environment (merged over a minimal one) and waits for
 * readiness.
 *
 * @example
 * ```ts
 * const d = await startDaemonProcess({ ORCHESTRATOR_QUEUES: randomName('q'), DATA_DIR: tmp });
 * await fetch(`${d.url}/readyz`);
 * await d.stop();
 * ```
 */
export async function startDaemonProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<DaemonProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const proc = spawn(process.execPath, ['daemon/cli/main.ts', 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'warn',
      // Each daemon its own alert queue, so parallel tests do not deliver or dedup each other's alerts.
      ALERT_QUEUE: randomName('alerts'),
      // Each daemon its own history counters: tests must not see each other's commands.
      HISTORY_KEY_PREFIX: randomName('history'),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  proc.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`daemon exited with ${proc.exitCode} before it was ready:\n${out}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`daemon not ready after ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls until `fn` returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
