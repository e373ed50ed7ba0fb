/**
 * The opa-wasm policy engine, for teams that build their policy with OPA itself:
 *
 * ```console
 * $ opa build -t wasm -e orchestrator/decision policies/   # writes bundle.tar.gz
 * ```
 *
 * It loads that bundle (or a bare `policy.wasm` plus a `data.json`) through
 * `@open-policy-agent/opa-wasm` and answers through the same {@link PolicyEngine} interface and
 * decision schema as the Rego engine. Policy tests are OPA's business here (`opa test` in CI):
 * a wasm module carries no tests to run.
 *
 * Differences from the Rego engine, all on the fail-closed side: evaluation cannot be
 * interrupted inside wasm, so `timeoutMs` is checked when it returns (a late decision is thrown
 * away as `ORC_ERR_POLICY_LIMIT`) and memory is capped instead of steps; `explanation` is empty
 * (wasm does not report which rules fired); `print()` goes to OPA's own console.log.
 *
 * @example
 * ```ts
 * const engine = await WasmPolicyEngine.load({ wasmPath: 'build/bundle.tar.gz' });
 * const decision = engine.decide(input);
 * ```
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type LoadedPolicy, loadPolicy } from '@open-policy-agent/opa-wasm';
import type { EventBus } from '../core/events.ts';
import type { PolicyDecision, PolicyEngine, PolicyInput } from '../core/types.ts';
import { PolicyErrors } from '../errors/policy.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { mergeData, revisionOf, unpackPolicyFile } from './bundle.ts';
import { parseDecision } from './decision-schema.ts';
import type { ReloadResult } from './rego-engine.ts';

export interface WasmEngineOptions {
  /** A `policy.wasm` module or an `opa build -t wasm` bundle (`.tar.gz`). */
  readonly wasmPath: string;
  /** A `data.json` to use instead of the bundle's data (required data for a bare module). */
  readonly dataPath?: string;
  /** Entry point as given to `opa build -e`. @defaultValue `'orchestrator/decision'` */
  readonly entrypoint?: string;
  /** Budget per decision, checked when evaluation returns, in milliseconds. @defaultValue 50 */
  readonly timeoutMs?: number;
  /** Upper bound of the module's memory, in 64 KiB pages. @defaultValue 2_048 (128 MiB) */
  readonly memoryMaxPages?: number;
  /** Receives `policy.loaded`, `policy.reload_failed` and `alert` events. */
  readonly bus?: EventBus;
}

/** The defaults of {@link WasmEngineOptions}, with units. */
export const WASM_ENGINE_DEFAULTS = {
  entrypoint: 'orchestrator/decision',
  timeoutMs: 50, // per decision, checked after evaluation
  memoryMaxPages: 2_048, // 64 KiB pages: 128 MiB
} as const;

interface LoadedWasm {
  readonly policy: LoadedPolicy;
  readonly revision: string;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** opa-wasm throws strings and plain objects as well as Errors. */
function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.name === 'Error' ? e.message : `${e.name}: ${e.message}`;
  if (typeof e === 'string') return e;
  if (isRecord(e) && typeof e.message === 'string') return e.message;
  return String(e);
}

/**
 * The project's `lib` setting (ES2024, no DOM) carries no WebAssembly types; these are the two
 * calls used here, typed as Node provides them.
 */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  readonly Module: { exports(module: object): { name: string; kind: string }[] };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What opa-wasm calls on a module, whatever the ABI minor version. */
const OPA_EXPORTS = [
  'opa_wasm_abi_version',
  'builtins',
  'entrypoints',
  'eval',
  'opa_eval_ctx_new',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_json_parse',
  'opa_malloc',
] as const;

async function loadWasm(opts: WasmEngineOptions, entrypoint: string): Promise<LoadedWasm> {
  const source = resolve(opts.wasmPath);
  try {
    const unpacked = unpackPolicyFile(readFileSync(source), entrypoint);
    const data =
      opts.dataPath === undefined
        ? unpacked.data
        : [{ path: 'data.json', bytes: readFileSync(resolve(opts.dataPath)) }];
    const doc = mergeData(data);
    const module = await wasmApi.compile(unpacked.wasm);
    const exported = new Set(wasmApi.Module.exports(module).map((e) => e.name));
    const missing = OPA_EXPORTS.filter((name) => !exported.has(name));
    // opa-wasm would otherwise fail later with a TypeError about some export being undefined.
    if (missing.length > 0) {
      throw new Error(`not an OPA policy module (missing exports: ${missing.join(', ')})`);
    }
    const policy = await loadPolicy(module, {
      initial: 5,
      maximum: opts.memoryMaxPages ?? WASM_ENGINE_DEFAULTS.memoryMaxPages,
    });
    const entrypoints: unknown = policy.entrypoints;
    if (!isRecord(entrypoints) || !Object.hasOwn(entrypoints, entrypoint)) {
      const known = isRecord(entrypoints) ? Object.keys(entrypoints).join(', ') : 'none';
      throw new Error(`the module has no entry point ${entrypoint} (it has: ${known})`);
    }
    policy.setData(doc);
    return { policy, revision: revisionOf(unpacked.wasm, data) };
  } catch (e) {
    throw new OrchestratorError(
      PolicyErrors.LOAD_FAILED,
      { source: opts.wasmPath, reason: describeThrown(e) },
      { cause: e },
    );
  }
}

/**
 * {@link PolicyEngine} over an OPA-compiled wasm module. Create it with {@link WasmPolicyEngine.load}.
 */
export class WasmPolicyEngine implements PolicyEngine {
  readonly kind = 'wasm' as const;
  readonly entrypoint: string;

  private current: LoadedWasm;
  private readonly opts: WasmEngineOptions;
  private readonly timeoutMs: number;

  private constructor(entrypoint: string, loaded: LoadedWasm, opts: WasmEngineOptions) {
    this.entrypoint = entrypoint;
    this.current = loaded;
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? WASM_ENGINE_DEFAULTS.timeoutMs;
  }

  /**
   * Loads a module or bundle. Throws `ORC_ERR_POLICY_LOAD_FAILED` when the file cannot be read
   * or unpacked, the data is not JSON, the module does not instantiate or lacks the entry point.
   *
   * @example
   * ```ts
   * const engine = await WasmPolicyEngine.load({ wasmPath: 'policy.wasm', dataPath: 'policies/data.json' });
   * ```
   */
  static async load(opts: WasmEngineOptions): Promise<WasmPolicyEngine> {
    const entrypoint = opts.entrypoint ?? WASM_ENGINE_DEFAULTS.entrypoint;
    const engine = new WasmPolicyEngine(entrypoint, await loadWasm(opts, entrypoint), opts);
    engine.loaded();
    return engine;
  }

  /** sha256 of the module and its data files. */
  get revision(): string {
    return this.current.revision;
  }

  /**
   * Evaluates the entry point; same errors as the Rego engine (`ORC_ERR_POLICY_EVAL_FAILED`,
   * `ORC_ERR_POLICY_LIMIT`, `ORC_ERR_POLICY_BAD_DECISION`).
   *
   * @example
   * ```ts
   * engine.decide(input).action; // 'allow' | 'judge' | 'block'
   * ```
   */
  decide(input: PolicyInput): PolicyDecision {
    const loaded = this.current;
    const start = process.hrtime.bigint();
    let resultSet: unknown;
    try {
      resultSet = loaded.policy.evaluate(input, this.entrypoint);
    } catch (e) {
      throw new OrchestratorError(
        PolicyErrors.EVAL_FAILED,
        { engine: 'wasm', reason: describeThrown(e) },
        { cause: e },
      );
    }
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsedMs > this.timeoutMs) {
      throw new OrchestratorError(PolicyErrors.LIMIT, {
        engine: 'wasm',
        reason: `evaluation took ${elapsedMs.toFixed(1)} ms, budget ${this.timeoutMs} ms`,
      });
    }
    if (!Array.isArray(resultSet) || resultSet.length > 1) {
      throw new OrchestratorError(PolicyErrors.BAD_DECISION, {
        entrypoint: this.entrypoint,
        reason: 'expected at most one result from the module',
      });
    }
    const first: unknown = resultSet[0];
    const value = isRecord(first) ? first.result : undefined;
    const doc = parseDecision(value, this.entrypoint);
    const evalMicros = Math.round(Number(process.hrtime.bigint() - start) / 1_000);
    return { ...doc, revision: loaded.revision, explanation: [], evalMicros };
  }

  /**
   * Loads the module file again (after a new `opa build`); swaps only if it loads. On failure
   * the running module stays and `policy.reload_failed` plus an `alert` are emitted.
   *
   * @example
   * ```ts
   * const r = await engine.reload(); // { ok: true, changed: true, revision: '…' }
   * ```
   */
  async reload(): Promise<ReloadResult> {
    const kept = this.current.revision;
    let next: LoadedWasm;
    try {
      next = await loadWasm(this.opts, this.entrypoint);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.opts.bus?.emit('policy.reload_failed', { engine: 'wasm', error, keptRevision: kept });
      this.opts.bus?.emit('alert', {
        kind: 'policy_reload_failed',
        summary: `Policy module ${this.opts.wasmPath} refused; revision ${kept.slice(0, 12)} stays in force.`,
        alert: { severity: 'high', teams: ['security'] },
        details: { engine: 'wasm', wasmPath: this.opts.wasmPath, error, keptRevision: kept },
      });
      return { ok: false, changed: false, revision: kept, error };
    }
    if (next.revision === kept) return { ok: true, changed: false, revision: kept };
    this.current = next;
    this.loaded();
    return { ok: true, changed: true, revision: next.revision };
  }

  async close(): Promise<void> {}

  private loaded(): void {
    this.opts.bus?.emit('policy.loaded', { engine: 'wasm', revision: this.current.revision });
  }
}
