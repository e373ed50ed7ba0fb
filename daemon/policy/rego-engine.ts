/**
 * The Rego policy engine: the project's own interpreter (`rego/`) evaluating `POLICY_DIR`
 * in-process. A policy is only ever put in force after it compiled and its own `*_test.rego`
 * tests passed, with the same loader and test runner as `npm run policy:test`; a refused edit
 * leaves the last good policy deciding and raises an alert.
 *
 * @example
 * ```ts
 * const engine = await RegoPolicyEngine.load({ dir: './policies', watch: true, bus });
 * const decision = engine.decide(buildPolicyInput(command, agent, history, new Date()));
 * // { action: 'allow', risk: 'LOW', reasons: [...], alert: null, revision: '3f1c…', explanation: [...], evalMicros: 14 }
 * await engine.close();
 * ```
 */
import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { loadPolicyFiles, PolicyLoadError, type PolicyFiles, runTests } from '../../rego/cli/policy-test.ts';
import { compile, type Policy, RegoError, toJSON } from '../../rego/index.ts';
import type { EventBus } from '../core/events.ts';
import type { PolicyDecision, PolicyEngine, PolicyInput } from '../core/types.ts';
import { PolicyErrors } from '../errors/policy.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { parseDecision } from './decision-schema.ts';

export interface RegoEngineOptions {
  /** Policy directory: every `*.rego` and `data.json` under it is loaded (as `npm run policy:test`). */
  readonly dir: string;
  /** Document that holds the decision. @defaultValue `'data.orchestrator.decision'` */
  readonly entrypoint?: string;
  /** Expression evaluations allowed per decision. @defaultValue 100_000 */
  readonly maxSteps?: number;
  /** Wall-clock budget per decision, in milliseconds. @defaultValue 50 */
  readonly timeoutMs?: number;
  /** Reload when files under `dir` change. @defaultValue false */
  readonly watch?: boolean;
  /** Quiet time after the last file event before reloading, in milliseconds. @defaultValue 200 */
  readonly debounceMs?: number;
  /**
   * How often the files' sizes, times and inodes are compared with the last load, besides file
   * events (recursive watches on Linux can stop reporting a file once an editor replaced it by
   * rename). @defaultValue 2000
   */
  readonly pollMs?: number;
  /** Per-test budget while checking a policy. @defaultValue the policy-test CLI's (50M steps, 10 s) */
  readonly testLimits?: { readonly maxSteps: number; readonly timeoutMs: number };
  /** Receives `policy.loaded`, `policy.reload_failed` and `alert` events. */
  readonly bus?: EventBus;
  /** Destination of the policy's `print()` output. @defaultValue discarded */
  readonly onLog?: (message: string) => void;
}

/** The defaults of {@link RegoEngineOptions}, with units. */
export const REGO_ENGINE_DEFAULTS = {
  entrypoint: 'data.orchestrator.decision',
  maxSteps: 100_000, // expression evaluations per decision (the shipped policy needs ~30)
  timeoutMs: 50, // per decision; the shipped policy takes ~15 µs
  watch: false,
  debounceMs: 200, // editors write a file in several events; reload once they settle
  pollMs: 2_000, // between stat comparisons of the policy files (the watch's safety net)
} as const;

/** Outcome of {@link RegoPolicyEngine.reload}. */
export interface ReloadResult {
  /** True when the files on disk are now in force (new, or identical to the running policy). */
  readonly ok: boolean;
  /** True when a new revision replaced the running one. */
  readonly changed: boolean;
  /** The revision in force after the attempt. */
  readonly revision: string;
  /** Why the files were refused: the rendered compile error or the failing tests. */
  readonly error?: string;
}

/** What is in force: swapped as one object so a decision never mixes two policies. */
interface Loaded {
  readonly policy: Policy;
  readonly revision: string;
  readonly files: readonly string[];
  readonly tests: { readonly passed: number; readonly total: number };
  readonly loadedAt: string;
}

const RELOAD_ALERT = { severity: 'high', teams: ['security'] } as const;

/**
 * Hashes the files loaded: for each, sorted by path relative to `dir` (POSIX separators),
 * `path \0 byteLength \0 bytes`. Relative paths make the revision the same wherever the
 * directory is deployed; the length prefix keeps file boundaries unambiguous.
 */
function fingerprint(dir: string, files: readonly string[]): string {
  const entries = files
    .map((name) => {
      const abs = resolve(name);
      return { rel: relative(dir, abs).split(sep).join('/'), bytes: readFileSync(abs) };
    })
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = createHash('sha256');
  for (const e of entries) h.update(`${e.rel}\0${e.bytes.length}\0`).update(e.bytes);
  return h.digest('hex');
}

/**
 * Loads the files and their revision consistently. The loader reads the files itself, so the
 * bytes are read again around a second load: identical before and after means the compiled
 * text is the hashed text even while an editor is writing (the watcher reloads again then).
 */
function readStable(dir: string): { files: PolicyFiles; revision: string } {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const first = loadPolicyFiles([dir]);
      const before = fingerprint(dir, first.files);
      const files = loadPolicyFiles([dir]);
      if (fingerprint(dir, files.files) === before) return { files, revision: before };
      lastError = new PolicyLoadError('files kept changing while they were read');
    } catch (e) {
      // A file removed between listing and reading is the same race; anything else is final.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      lastError = e;
    }
  }
  throw lastError;
}

function loadFailed(dir: string, e: unknown): OrchestratorError {
  if (e instanceof OrchestratorError) return e;
  const reason = e instanceof RegoError ? e.render() : e instanceof Error ? e.message : String(e);
  return new OrchestratorError(PolicyErrors.LOAD_FAILED, { source: dir, reason }, { cause: e });
}

function hasDocument(policy: Policy, data: Record<string, unknown>, entrypoint: string): boolean {
  if (policy.ruleInfo(entrypoint)) return true;
  // A base document at that path would do too (unusual, but it is a valid decision source).
  let node: unknown = data;
  for (const key of entrypoint.split('.').slice(entrypoint.startsWith('data.') ? 1 : 0)) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Compiles and tests the policy under `dir`; throws OrchestratorError when it must be refused. */
function loadDir(dir: string, entrypoint: string, testLimits: RegoEngineOptions['testLimits']): Loaded {
  let policy: Policy;
  let snapshot: { files: PolicyFiles; revision: string };
  try {
    snapshot = readStable(dir);
    policy = compile(snapshot.files.modules, { data: snapshot.files.data });
  } catch (e) {
    throw loadFailed(dir, e);
  }
  if (!hasDocument(policy, snapshot.files.data, entrypoint)) {
    throw new OrchestratorError(PolicyErrors.LOAD_FAILED, {
      source: dir,
      reason: `no rule defines the entry point ${entrypoint}`,
    });
  }
  const report = runTests(policy, testLimits ? { limits: testLimits } : {});
  if (!report.ok) {
    const bad = report.results.filter((r) => r.status === 'fail' || r.status === 'error');
    const tests =
      report.total === 0
        ? 'no tests found (a test is a rule named test_*; the daemon only runs tested policies)'
        : bad
            .map((r) => `${r.name} (${r.file ?? '?'}:${r.line ?? '?'}: ${r.status}: ${r.message ?? ''})`)
            .join('; ');
    throw new OrchestratorError(PolicyErrors.TESTS_FAILED, {
      source: dir,
      summary: `${report.passed}/${report.total} passed`,
      tests,
      failedTests: bad.map((r) => r.name),
    });
  }
  return {
    policy,
    revision: snapshot.revision,
    files: snapshot.files.files,
    tests: { passed: report.passed, total: report.total },
    loadedAt: new Date().toISOString(),
  };
}

function evalFailed(e: unknown): OrchestratorError {
  if (e instanceof OrchestratorError) return e;
  if (e instanceof RegoError) {
    const limit = e.code === 'eval_limit_error' || e.code === 'eval_cancel_error';
    const reason = e.message.includes(e.code) ? e.message : `${e.code}: ${e.message}`;
    return new OrchestratorError(
      limit ? PolicyErrors.LIMIT : PolicyErrors.EVAL_FAILED,
      { engine: 'rego', reason, regoCode: e.code },
      { cause: e },
    );
  }
  const reason = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new OrchestratorError(PolicyErrors.EVAL_FAILED, { engine: 'rego', reason }, { cause: e });
}

/**
 * {@link PolicyEngine} over the `rego/` interpreter. Create it with {@link RegoPolicyEngine.load}.
 */
export class RegoPolicyEngine implements PolicyEngine {
  readonly kind = 'rego' as const;
  readonly dir: string;
  readonly entrypoint: string;

  private current: Loaded;
  private readonly limits: { readonly maxSteps: number; readonly timeoutMs: number };
  private readonly opts: RegoEngineOptions;
  private readonly print: ((message: string) => void) | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private signature = '';
  private lastAlerted: string | undefined;
  private closed = false;

  private constructor(dir: string, entrypoint: string, loaded: Loaded, opts: RegoEngineOptions) {
    this.dir = dir;
    this.entrypoint = entrypoint;
    this.current = loaded;
    this.opts = opts;
    this.limits = {
      maxSteps: opts.maxSteps ?? REGO_ENGINE_DEFAULTS.maxSteps,
      timeoutMs: opts.timeoutMs ?? REGO_ENGINE_DEFAULTS.timeoutMs,
    };
    const onLog = opts.onLog;
    // A failing log sink must not turn into a policy error that blocks commands.
    this.print = onLog
      ? (m) => {
          try {
            onLog(m);
          } catch {}
        }
      : undefined;
  }

  /**
   * Loads, compiles and tests the policy under `opts.dir`. Throws OrchestratorError
   * `ORC_ERR_POLICY_LOAD_FAILED` (unreadable files, compile errors rendered with file:line and
   * a caret, missing entry point) or `ORC_ERR_POLICY_TESTS_FAILED` (naming the failing tests):
   * the daemon does not start without a policy.
   *
   * @example
   * ```ts
   * const engine = await RegoPolicyEngine.load({ dir: 'policies', maxSteps: 100_000, timeoutMs: 50 });
   * engine.revision; // 64 hex characters
   * ```
   */
  static async load(opts: RegoEngineOptions): Promise<RegoPolicyEngine> {
    const dir = resolve(opts.dir);
    const entrypoint = opts.entrypoint ?? REGO_ENGINE_DEFAULTS.entrypoint;
    const engine = new RegoPolicyEngine(dir, entrypoint, loadDir(dir, entrypoint, opts.testLimits), opts);
    engine.loaded();
    if (opts.watch ?? REGO_ENGINE_DEFAULTS.watch) engine.startWatching();
    return engine;
  }

  get revision(): string {
    return this.current.revision;
  }

  /** What is in force, for readiness checks and `orchestrator policy check`. */
  get info(): {
    revision: string;
    files: readonly string[];
    tests: { passed: number; total: number };
    loadedAt: string;
  } {
    const { revision, files, tests, loadedAt } = this.current;
    return { revision, files, tests, loadedAt };
  }

  /**
   * Evaluates the entry point for one command. Throws `ORC_ERR_POLICY_EVAL_FAILED` on any
   * evaluation error, `ORC_ERR_POLICY_LIMIT` when `maxSteps`/`timeoutMs` is exceeded, and
   * `ORC_ERR_POLICY_BAD_DECISION` when the decision is undefined or malformed; the pipeline then
   * blocks the command. `time.now_ns()` is `input.now`, so a recorded input replays exactly.
   *
   * @example
   * ```ts
   * const d = engine.decide(input);
   * if (d.action === 'block') ledger.transition(agentId, actionId, 'BLOCKED', { reasons: d.reasons });
   * ```
   */
  decide(input: PolicyInput): PolicyDecision {
    const loaded = this.current;
    const start = process.hrtime.bigint();
    const nowMs = Date.parse(input.now);
    let value: unknown;
    let explanation: PolicyDecision['explanation'];
    try {
      const result = loaded.policy.evalRule(this.entrypoint, {
        input,
        limits: this.limits,
        explain: true,
        trustedInput: false,
        print: this.print,
        ...(Number.isFinite(nowMs) ? { nowNs: BigInt(nowMs) * 1_000_000n } : {}),
      });
      value = result.value === undefined ? undefined : toJSON(result.value);
      explanation = result.explanation.map(({ rule, file, line }) => ({ rule, file, line }));
    } catch (e) {
      throw evalFailed(e);
    }
    const doc = parseDecision(value, this.entrypoint);
    const evalMicros = Math.round(Number(process.hrtime.bigint() - start) / 1_000);
    return { ...doc, revision: loaded.revision, explanation, evalMicros };
  }

  /**
   * Compiles and tests the files on disk now; puts them in force only if both succeed.
   * On refusal the running policy stays, `policy.reload_failed` is emitted, and an `alert`
   * (`policy_reload_failed`, high, security) unless the same error was already alerted.
   *
   * @example
   * ```ts
   * const r = await engine.reload();
   * if (!r.ok) console.error(r.error); // e.g. rego_parse_error … --> policies/orchestrator.rego:42:1
   * ```
   */
  async reload(): Promise<ReloadResult> {
    const kept = this.current.revision;
    let next: Loaded;
    try {
      next = loadDir(this.dir, this.entrypoint, this.opts.testLimits);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.refused(error);
      return { ok: false, changed: false, revision: kept, error };
    }
    this.lastAlerted = undefined;
    if (next.revision === kept) return { ok: true, changed: false, revision: kept };
    this.current = next;
    this.loaded();
    return { ok: true, changed: true, revision: next.revision };
  }

  /** Stops watching. Decisions keep working with the policy in force. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private loaded(): void {
    this.opts.bus?.emit('policy.loaded', { engine: 'rego', revision: this.current.revision });
  }

  private refused(error: string): void {
    const keptRevision = this.current.revision;
    const bus = this.opts.bus;
    if (!bus) return;
    bus.emit('policy.reload_failed', { engine: 'rego', error, keptRevision });
    // One page per distinct problem: an editor saving the same broken file twice is not news.
    if (this.lastAlerted === error) return;
    this.lastAlerted = error;
    bus.emit('alert', {
      kind: 'policy_reload_failed',
      summary: `Policy change in ${this.dir} refused; revision ${keptRevision.slice(0, 12)} stays in force.`,
      alert: RELOAD_ALERT,
      details: { engine: 'rego', dir: this.dir, error, keptRevision },
    });
  }

  private startWatching(): void {
    const debounceMs = this.opts.debounceMs ?? REGO_ENGINE_DEFAULTS.debounceMs;
    const schedule = (): void => {
      if (this.closed) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (this.closed) return;
        this.signature = dirSignature(this.dir);
        void this.reload();
      }, debounceMs);
      this.timer.unref();
    };
    this.signature = dirSignature(this.dir);
    // Not persistent: the daemon's server keeps the process alive, a forgotten engine should not.
    this.watcher = watch(this.dir, { recursive: true, persistent: false }, schedule);
    // The safety net: a change the watch did not report is seen within one poll.
    this.poller = setInterval(() => {
      const now = dirSignature(this.dir);
      if (now === this.signature) return;
      // Noted at once, so a poll faster than the debounce schedules one reload, not an endless delay.
      this.signature = now;
      schedule();
    }, this.opts.pollMs ?? REGO_ENGINE_DEFAULTS.pollMs);
    this.poller.unref();
    this.watcher.on('error', (err) => {
      // E.g. the directory was removed: keep deciding with what is loaded, and say so.
      this.refused(`watching ${this.dir} failed: ${err.message}; later changes will not be loaded`);
    });
  }
}

/**
 * Size, modification time and inode of every file under `dir`: what changes when a file is
 * edited in place or replaced by rename. Unreadable entries count as a change of their own.
 */
function dirSignature(dir: string): string {
  const parts: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  } catch {
    return 'unreadable';
  }
  for (const name of names) {
    try {
      const st = statSync(resolve(dir, name));
      if (st.isFile()) parts.push(`${name}:${st.size}:${st.mtimeMs}:${st.ino}`);
    } catch {
      parts.push(`${name}:gone`);
    }
  }
  return parts.join('\n');
}
