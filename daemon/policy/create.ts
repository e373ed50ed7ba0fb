/**
 * Builds the configured policy engine. The daemon's start-up calls this once, after the config
 * is validated and before any worker fetches a job: it rejects when no policy can be put in
 * force, and the daemon must not start then (every command would be blocked anyway).
 *
 * Loads and refusals are announced on the bus (`policy.loaded`, `policy.reload_failed`,
 * `alert`); whoever logs them subscribes there, so this module only routes the policy's
 * `print()` output to the logger.
 *
 * @example
 * ```ts
 * const engine = await createPolicyEngine(config, bus, logger); // config: the daemon's Config
 * readiness.add('policy', () => ({ ok: engine.revision !== undefined }));
 * ```
 */
import type { EventBus } from '../core/events.ts';
import type { PolicyEngine } from '../core/types.ts';
import { PolicyErrors } from '../errors/policy.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { REGO_ENGINE_DEFAULTS, RegoPolicyEngine, type ReloadResult } from './rego-engine.ts';
import { WASM_ENGINE_DEFAULTS, WasmPolicyEngine } from './wasm-engine.ts';

/**
 * The policy part of the daemon's configuration, under the daemon `Config`'s names, so the
 * whole config can be passed. Defaults live in the config module; the optional fields below are
 * not environment variables and default to the engines' own defaults.
 */
export interface PolicyEngineConfig {
  /** `POLICY_ENGINE` */
  readonly policyEngine: 'rego' | 'wasm';
  /** `POLICY_DIR` (Rego engine) */
  readonly policyDir: string;
  /** `POLICY_WASM_PATH`: `policy.wasm` or an `opa build -t wasm` bundle (wasm engine). */
  readonly policyWasmPath: string | undefined;
  /** `POLICY_EVAL_TIMEOUT_MS`, per decision (both engines). */
  readonly policyEvalTimeoutMs: number;
  /** `POLICY_MAX_STEPS`, per decision (Rego engine). */
  readonly policyMaxSteps: number;
  /** `POLICY_WATCH`: hot-reload `policyDir` (Rego engine). */
  readonly policyWatch: boolean;
  /** Rego entry point. @defaultValue `'data.orchestrator.decision'` */
  readonly policyEntrypoint?: string;
  /** Wasm entry point as given to `opa build -e`. @defaultValue `'orchestrator/decision'` */
  readonly policyWasmEntrypoint?: string;
  /** `data.json` for a bare `policy.wasm` (a bundle carries its own). @defaultValue the bundle's */
  readonly policyWasmDataPath?: string;
}

/** The slice of a pino logger used here. */
export interface PolicyLogger {
  info(obj: Record<string, unknown>, msg?: string): void;
}

/** Both engines can be asked to load their files again (CLI, admin endpoint, tests). */
export type ReloadablePolicyEngine = PolicyEngine & { reload(): Promise<ReloadResult> };

/**
 * Loads the configured engine. Rejects with `ORC_ERR_POLICY_LOAD_FAILED` or
 * `ORC_ERR_POLICY_TESTS_FAILED` when no policy can be put in force. The policy's `print()`
 * output is logged at info level with the field `policyPrint`.
 *
 * @example
 * ```ts
 * const engine = await createPolicyEngine(
 *   { policyEngine: 'rego', policyDir: './policies', policyWasmPath: undefined,
 *     policyEvalTimeoutMs: 50, policyMaxSteps: 100_000, policyWatch: true },
 *   bus,
 *   logger,
 * );
 * ```
 */
export async function createPolicyEngine(
  config: PolicyEngineConfig,
  bus: EventBus,
  logger: PolicyLogger,
): Promise<ReloadablePolicyEngine> {
  if (config.policyEngine === 'wasm') {
    if (!config.policyWasmPath) {
      throw new OrchestratorError(PolicyErrors.LOAD_FAILED, {
        source: 'POLICY_WASM_PATH',
        reason: 'the wasm engine needs the path of a policy.wasm or bundle.tar.gz',
      });
    }
    return WasmPolicyEngine.load({
      wasmPath: config.policyWasmPath,
      ...(config.policyWasmDataPath === undefined ? {} : { dataPath: config.policyWasmDataPath }),
      entrypoint: config.policyWasmEntrypoint ?? WASM_ENGINE_DEFAULTS.entrypoint,
      timeoutMs: config.policyEvalTimeoutMs,
      bus,
    });
  }
  return RegoPolicyEngine.load({
    dir: config.policyDir,
    entrypoint: config.policyEntrypoint ?? REGO_ENGINE_DEFAULTS.entrypoint,
    maxSteps: config.policyMaxSteps,
    timeoutMs: config.policyEvalTimeoutMs,
    watch: config.policyWatch,
    bus,
    onLog: (message) => logger.info({ policyPrint: message }, 'policy print'),
  });
}
