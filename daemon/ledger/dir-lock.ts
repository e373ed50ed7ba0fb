/**
 * A lock file beside the embedded ledger's directory. PGlite runs Postgres inside this process
 * with no server to arbitrate, so two processes opening one directory would corrupt it; the
 * second one must fail with a clear error instead.
 *
 * The file holds the owner's pid. A lock whose process is gone (a `kill -9`, a crash) is stale
 * and taken over, so a restart after a crash just works.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { LedgerErrors } from '../errors/ledger.ts';
import { OrchestratorError } from '../errors/registry.ts';

// Locks this process holds. A file naming our own pid but not listed here was left by an
// earlier process that had the same pid (pid 1 in a restarted container): it is stale.
const held = new Set<string>();

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process killed with -9 stays a zombie until reaped, and signal 0 still reaches it. On
  // Linux, /proc tells them apart (state Z); elsewhere signal 0 is all there is.
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function ownerOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dir>.lock`; resolves to a function that releases it.
 *
 * @example
 * ```ts
 * const release = await lockDir('/srv/orchestrator/.data/ledger');
 * try { … } finally { await release(); }
 * ```
 */
export async function lockDir(dir: string): Promise<() => Promise<void>> {
  const path = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (held.has(path)) {
      throw new OrchestratorError(LedgerErrors.LOCKED, { dir, pid: `${process.pid} (this process)` });
    }
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      held.add(path);
      return async () => {
        held.delete(path);
        await unlink(path).catch(() => {});
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = await ownerOf(path);
    const stale = pid === undefined || (pid === process.pid ? !held.has(path) : !(await alive(pid)));
    if (!stale) throw new OrchestratorError(LedgerErrors.LOCKED, { dir, pid });
    await unlink(path).catch(() => {});
  }
  // Lost the race for a stale lock to another process starting at the same moment.
  const pid = (await ownerOf(path)) ?? 'unknown';
  throw new OrchestratorError(LedgerErrors.LOCKED, { dir, pid });
}
