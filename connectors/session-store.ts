/**
 * Experience sessions as the connectors see them: the leg state machine and the store interface.
 * The store is implemented by the daemon's SQL ledger (`daemon/ledger/sessions.ts`) and passed in:
 * connectors never import the daemon.
 *
 * A leg moves pending → ready → in_customization → committed, and from any of the first three to
 * failed. committed and failed are terminal for agents; only an admin override moves them on.
 */

export const LEG_STATUSES = ['pending', 'ready', 'in_customization', 'committed', 'failed'] as const;
export type LegStatus = (typeof LEG_STATUSES)[number];

/** Moves an agent's command may make. */
export const LEG_TRANSITIONS: Readonly<Record<LegStatus, readonly LegStatus[]>> = {
  pending: ['ready', 'failed'],
  ready: ['in_customization', 'failed'],
  in_customization: ['committed', 'failed'],
  committed: [],
  failed: [],
};

/**
 * Whether an agent's command may move a leg from `from` to `to`.
 *
 * @example
 * ```ts
 * legMoveAllowed('ready', 'in_customization'); // → true
 * legMoveAllowed('committed', 'ready');        // → false
 * ```
 */
export function legMoveAllowed(from: LegStatus, to: LegStatus): boolean {
  return LEG_TRANSITIONS[from].includes(to);
}

export interface SessionLeg {
  readonly sessionId: string;
  readonly legId: string;
  readonly kind: string;
  readonly position: number;
  readonly status: LegStatus;
  /** 1 at creation, +1 on every change. */
  readonly version: number;
  readonly lastReason: string | null;
  /** `agent/<agent>/<action_id>` or `admin/<subject>`; null until the first change. */
  readonly updatedBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface SessionRecord {
  readonly sessionId: string;
  readonly ownerAgentId: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly legs: readonly SessionLeg[];
}

export interface LegOverride {
  readonly id: number;
  readonly sessionId: string;
  readonly legId: string;
  readonly admin: string;
  readonly oldStatus: LegStatus;
  readonly newStatus: LegStatus;
  readonly reason: string;
  readonly at: string;
}

export interface NewSession {
  readonly sessionId: string;
  readonly ownerAgentId: string;
  /** Token subject of whoever created it. */
  readonly createdBy: string;
  readonly legs: readonly { readonly legId: string; readonly kind?: string }[];
}

/** Where sessions live. Every method rejects when the store cannot be read or written. */
export interface SessionStore {
  /** Creates the session and its legs (all pending) unless the id exists; then `created` is false. */
  createSession(s: NewSession): Promise<{ created: boolean; session: SessionRecord }>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /** One leg with its session's owner. */
  getLeg(
    sessionId: string,
    legId: string,
  ): Promise<(SessionLeg & { readonly ownerAgentId: string }) | undefined>;
  /**
   * Compare-and-set: moves the leg to `to` only if its status is still `from`. Returns the
   * updated leg, or undefined when it did not apply (a concurrent change won, or no such leg).
   */
  setLegStatus(q: {
    readonly sessionId: string;
    readonly legId: string;
    readonly from: LegStatus;
    readonly to: LegStatus;
    readonly reason: string | null;
    readonly updatedBy: string;
  }): Promise<SessionLeg | undefined>;
  /**
   * An admin sets any status and the override is recorded (admin, old, new, reason) in the same
   * transaction. Undefined when there is no such leg.
   */
  overrideLeg(q: {
    readonly sessionId: string;
    readonly legId: string;
    readonly to: LegStatus;
    readonly reason: string;
    readonly admin: string;
  }): Promise<{ leg: SessionLeg; override: LegOverride } | undefined>;
  /** Overrides of the session's legs, oldest first. */
  overrides(sessionId: string): Promise<LegOverride[]>;
}
