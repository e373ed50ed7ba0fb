/**
 * The kill switch's state: a master switch and scoped halts (by connector, command type or
 * agent), with a version that only ever grows. Redis holds it (`store.ts`); every replica keeps
 * a local copy (`replica.ts`) that the gate reads before each connector call.
 *
 * @example
 * ```ts
 * const s = parseSwitchState('{"version":3,"master":{"halted":true,"by":"alice","at":"…","reason":"bypass"}}');
 * haltedBy(s, { agentId: 'a1', commandType: 'REFRESH_TOKEN', connector: 'integrations' }); // → 'master'
 * ```
 */

/** Kinds of scoped halt. */
export const SCOPE_KINDS = ['connector', 'command_type', 'agent'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** A halt scope; absent means the master switch. */
export interface Scope {
  readonly kind: ScopeKind;
  readonly value: string;
}

/** Who halted, when and why. */
export interface HaltRecord {
  readonly by: string;
  readonly at: string;
  readonly reason: string;
}

export interface SwitchState {
  /** Grows by one with every halt or release; 0 before the first flip. */
  readonly version: number;
  readonly master: {
    readonly halted: boolean;
    readonly by: string | null;
    readonly at: string | null;
    readonly reason: string | null;
  };
  /** Only halted scopes are listed. */
  readonly scopes: { readonly [K in ScopeKind]: Readonly<Record<string, HaltRecord>> };
}

/** What the gate matches against. */
export interface SwitchSubject {
  readonly agentId: string;
  readonly commandType: string;
  readonly connector: string;
}

export const EMPTY_STATE: SwitchState = {
  version: 0,
  master: { halted: false, by: null, at: null, reason: null },
  scopes: { connector: {}, command_type: {}, agent: {} },
};

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function halts(v: unknown): Record<string, HaltRecord> {
  const out: Record<string, HaltRecord> = {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) return out;
  for (const [k, h] of Object.entries(v as Record<string, unknown>)) {
    const r = (h ?? {}) as Record<string, unknown>;
    out[k] = { by: str(r.by) ?? 'unknown', at: str(r.at) ?? '', reason: str(r.reason) ?? '' };
  }
  return out;
}

/**
 * Reads a stored state (JSON text or an object). Anything unreadable throws: the caller then
 * treats the switch as unreadable, which the gate takes as halted (fail closed).
 *
 * @example
 * ```ts
 * parseSwitchState('{"version":1,"master":{"halted":false}}').scopes.agent; // → {}
 * ```
 */
export function parseSwitchState(raw: string | Record<string, unknown>): SwitchState {
  const o = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('switch state is not an object');
  const r = o as Record<string, unknown>;
  const version = r.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new Error('switch state has no valid version');
  }
  const m = (r.master ?? {}) as Record<string, unknown>;
  if (typeof m !== 'object' || m === null) throw new Error('switch state has no valid master');
  const s = (r.scopes ?? {}) as Record<string, unknown>;
  return {
    version,
    master: { halted: m.halted === true, by: str(m.by), at: str(m.at), reason: str(m.reason) },
    scopes: { connector: halts(s.connector), command_type: halts(s.command_type), agent: halts(s.agent) },
  };
}

/**
 * Why `subject` may not run now: `'master'`, `'<kind>:<value>'` of the first matching scope, or
 * undefined when nothing halts it.
 *
 * @example
 * ```ts
 * haltedBy(state, { agentId: 'a1', commandType: 'CHECK_INTEGRATION_STATUS', connector: 'integrations' });
 * ```
 */
export function haltedBy(state: SwitchState, subject: SwitchSubject): string | undefined {
  if (state.master.halted) return 'master';
  if (state.scopes.connector[subject.connector]) return `connector:${subject.connector}`;
  if (state.scopes.command_type[subject.commandType]) return `command_type:${subject.commandType}`;
  if (state.scopes.agent[subject.agentId]) return `agent:${subject.agentId}`;
  return undefined;
}

/** Number of halted scopes (the master switch not counted). */
export function scopedHaltCount(state: SwitchState): number {
  return SCOPE_KINDS.reduce((n, k) => n + Object.keys(state.scopes[k]).length, 0);
}

/** `master` or `<kind>:<value>`, as the API and the audit name a target. */
export function scopeLabel(scope: Scope | undefined): string {
  return scope ? `${scope.kind}:${scope.value}` : 'master';
}
