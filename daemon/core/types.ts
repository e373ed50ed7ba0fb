/**
 * The seams between the daemon's parts. Each part (ledger, policy engine, connectors, pipeline,
 * API) is written against these types only, so they can be built and tested separately.
 */

/**
 * Every status an action can have. Terminal: BLOCKED, REJECTED, NEEDS_APPROVAL, SUCCESS, FAILED,
 * EXPIRED. HELD is not terminal: the kill switch keeps the action until a release requeues it.
 * NEEDS_APPROVAL is terminal for the pipeline, but a human grant can move it on (see TRANSITIONS).
 */
export const ACTION_STATUSES = [
  'QUEUED',
  'EVALUATING',
  'ALLOWED',
  'JUDGING',
  'BLOCKED',
  'REJECTED',
  'APPROVED',
  'NEEDS_APPROVAL',
  'EXECUTING',
  'SUCCESS',
  'FAILED',
  'EXPIRED',
  'HELD',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<ActionStatus> = new Set([
  'EXPIRED',
  'BLOCKED',
  'REJECTED',
  'NEEDS_APPROVAL',
  'SUCCESS',
  'FAILED',
]);

/** Allowed transitions of the pipeline's state machine. */
export const TRANSITIONS: Readonly<Record<ActionStatus, readonly ActionStatus[]>> = {
  QUEUED: ['EVALUATING', 'REJECTED'],
  EVALUATING: ['ALLOWED', 'JUDGING', 'BLOCKED', 'REJECTED'],
  // HELD: the kill switch (master or a matching scope) was on at the gate before the call.
  ALLOWED: ['EXECUTING', 'HELD'],
  JUDGING: ['APPROVED', 'NEEDS_APPROVAL'],
  APPROVED: ['EXECUTING', 'HELD'],
  // EXECUTING → HELD only when the last gate check, synchronous with the call, found the switch
  // on: the connector was never called (the event says `not_called: true`).
  EXECUTING: ['SUCCESS', 'FAILED', 'HELD'],
  BLOCKED: [],
  REJECTED: [],
  // Terminal for the pipeline's own run; only a person's grant (routes-approvals.ts) leaves it,
  // and a policy that now blocks still wins over that grant.
  NEEDS_APPROVAL: ['APPROVED', 'REJECTED', 'BLOCKED', 'EXPIRED'],
  SUCCESS: [],
  FAILED: [],
  // A person's approval lapsed before the pipeline used it.
  EXPIRED: [],
  // Kept by the kill switch; a release requeues it and the current policy decides again.
  HELD: ['EVALUATING'],
};

export type Risk = 'LOW' | 'MEDIUM' | 'HIGH';
export type PolicyAction = 'allow' | 'judge' | 'block';

export interface Alert {
  readonly severity: 'critical' | 'high' | 'warning' | 'info';
  readonly teams: readonly string[];
}

/** What the policy engine decided for one command. */
export interface PolicyDecision {
  readonly action: PolicyAction;
  readonly risk: Risk;
  readonly reasons: readonly string[];
  readonly alert: Alert | null;
  /** sha256 of the policy sources and data that decided. */
  readonly revision: string;
  /** Rules that produced the decision (`data.orchestrator.decision` at `file:line`, …). */
  readonly explanation: readonly { readonly rule: string; readonly file: string; readonly line: number }[];
  /** Evaluation time in microseconds. */
  readonly evalMicros: number;
}

/** Counts the history rules of the policy need (last hour). */
export interface HistoryContext {
  readonly service: { readonly attempts_1h: number; readonly denials_1h: number };
  readonly agent: { readonly attempts_1h: number; readonly denials_1h: number };
}

/** The input document given to the policy. */
export interface PolicyInput {
  readonly command: Record<string, unknown>;
  readonly agent: { readonly id: string; readonly queue: string };
  readonly context: { readonly history: HistoryContext };
  /** RFC 3339 time of evaluation. */
  readonly now: string;
}

/**
 * A policy engine. `decide` throws on any engine error or limit; the pipeline then blocks the
 * command (fail closed).
 */
export interface PolicyEngine {
  readonly kind: 'rego' | 'wasm';
  /** Revision of the policy currently in force; undefined until one is loaded. */
  readonly revision: string | undefined;
  decide(input: PolicyInput): PolicyDecision;
  close(): Promise<void>;
}

/** One action as the ledger holds it. */
export interface ActionRecord {
  readonly agentId: string;
  readonly actionId: string;
  readonly commandType: string;
  readonly status: ActionStatus;
  /** The validated command as submitted (secrets never reach here: commands carry none). */
  readonly command: Record<string, unknown>;
  /** sha256 of the canonical command JSON: the same action_id with another payload is a conflict. */
  readonly payloadHash: string;
  readonly queue: string;
  readonly result: Record<string, unknown> | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ActionEvent {
  readonly seq: number;
  readonly status: ActionStatus;
  readonly payload: Record<string, unknown>;
  readonly at: string;
}

export interface StoredDecision extends PolicyDecision {
  readonly at: string;
}

/** A person's decision on a NEEDS_APPROVAL action: single use, bound to the command's digest. */
export interface ApprovalGrant {
  readonly agentId: string;
  readonly actionId: string;
  /** Token subject of the person who decided (never the submitting agent). */
  readonly approver: string;
  readonly decision: 'approve' | 'reject';
  readonly reason: string;
  /** `payloadHash` of the command the person saw; execution requires the same digest. */
  readonly paramsDigest: string;
  /** Policy revision in force when the person decided (for the audit trail). */
  readonly policyRevision: string;
  readonly expiresAt: string;
  /** When the pipeline consumed the grant; null while unused. */
  readonly usedAt: string | null;
  readonly createdAt: string;
}

export type NewGrant = Omit<ApprovalGrant, 'usedAt' | 'createdAt'>;

export interface NewAction {
  readonly agentId: string;
  readonly actionId: string;
  readonly commandType: string;
  readonly command: Record<string, unknown>;
  readonly payloadHash: string;
  readonly queue: string;
}

/**
 * The ledger: Postgres (DATABASE_URL, including Supabase) or PGlite (embedded). Every method
 * rejects when the store cannot be written; the pipeline then executes nothing and keeps the job.
 */
export interface Ledger {
  readonly kind: 'postgres' | 'pglite';
  /** Applies `supabase/migrations/*.sql` not yet applied (tracked in a migrations table). */
  migrate(): Promise<string[]>;
  /** Inserts the action as QUEUED unless (agentId, actionId) exists; returns the stored record. */
  createAction(a: NewAction): Promise<{ created: boolean; action: ActionRecord }>;
  /**
   * Inserts the action already moved through `steps` (QUEUED first, then one event per step)
   * with the policy decision, in one atomic write — the hot path's first record of a command
   * that arrived straight on the queue. Returns undefined, writing nothing, when (agentId,
   * actionId) exists; the caller then continues from the stored record.
   */
  createAdvanced(
    a: NewAction,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    decision?: PolicyDecision,
  ): Promise<ActionRecord | undefined>;
  getAction(agentId: string, actionId: string): Promise<ActionRecord | undefined>;
  /** Most recent action with this action_id across agents (for staff lookups). */
  findAction(actionId: string): Promise<ActionRecord | undefined>;
  listActions(q: { status?: ActionStatus; agentId?: string; limit: number }): Promise<ActionRecord[]>;
  /** How many actions have `status`, counted up to `limit` (for gauges: cheap at any backlog). */
  countActions(q: { status: ActionStatus; limit: number }): Promise<number>;
  /**
   * Moves an action to `to` and appends an action_events row, atomically. When `from` is given
   * the update only applies if the current status is one of them (compare-and-set); returns
   * false when it did not apply.
   */
  transition(
    agentId: string,
    actionId: string,
    to: ActionStatus,
    payload: Record<string, unknown>,
    opts?: {
      from?: readonly ActionStatus[];
      result?: Record<string, unknown>;
      error?: { code: string; message: string };
    },
  ): Promise<boolean>;
  recordDecision(agentId: string, actionId: string, d: PolicyDecision): Promise<void>;
  /**
   * Several transitions and (optionally) the policy decision in one atomic write: the status
   * moves through every step in order (one action_events row each) and ends at the last one.
   * Compare-and-set on `from` like `transition`; the decision is stored only when the move
   * applies. Returns false when it did not apply. Saves round trips on the hot path.
   */
  advance(
    agentId: string,
    actionId: string,
    steps: readonly { readonly to: ActionStatus; readonly payload: Record<string, unknown> }[],
    opts: { from: readonly ActionStatus[]; decision?: PolicyDecision },
  ): Promise<boolean>;
  events(agentId: string, actionId: string): Promise<ActionEvent[]>;
  decisions(agentId: string, actionId: string): Promise<StoredDecision[]>;
  /**
   * History counts for the policy: same command_type in the last `windowMs`, not counting the
   * action `excludeActionId` of this agent (the one being evaluated).
   */
  history(q: {
    commandType: string;
    service?: string;
    agentId: string;
    windowMs: number;
    excludeActionId?: string;
  }): Promise<HistoryContext>;
  /** Stores a person's decision; false when the action already has one (one grant per action). */
  grantApproval(g: NewGrant): Promise<boolean>;
  /**
   * Marks the action's grant used, atomically, if it is unused and not expired; returns it, or
   * undefined (no grant, already used, or expired). The caller still checks decision and digest.
   */
  consumeGrant(agentId: string, actionId: string): Promise<ApprovalGrant | undefined>;
  /**
   * Approvals that lapsed unused while their action still waits (NEEDS_APPROVAL), oldest
   * first; narrowed to one action when `agentId` and `actionId` are given.
   */
  lapsedGrants(q: { limit: number; agentId?: string; actionId?: string }): Promise<ApprovalGrant[]>;
  /** Pairs of (jury outcome, a person's decision) for actions decided by a person since `since` (ISO). */
  juryReviews(since: string): Promise<JuryReviewRow[]>;
  /**
   * Appends a progress record to a running action (migration 20261121120000, `action_progress`):
   * not a transition, so status and event seqs are untouched. Optional: stores that lack it (the
   * in-memory test ledger) simply keep no progress. Returns the record's id.
   */
  appendProgress?(
    agentId: string,
    actionId: string,
    kind: string,
    payload: Record<string, unknown>,
  ): Promise<number>;
  /** Progress records of an action with an id above `afterId`, oldest first. */
  progressSince?(agentId: string, actionId: string, afterId: number): Promise<ActionProgress[]>;
  /** Appends one flip of the kill switch or the poller to its audit table (append-only). */
  recordSwitchFlip(f: NewSwitchFlip): Promise<void>;
  /** The latest flips, newest first. */
  switchFlips(q: { limit: number }): Promise<SwitchFlip[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What a connector needs to run one command. */
export interface ExecutionContext {
  readonly agentId: string;
  readonly actionId: string;
  readonly signal: AbortSignal;
  /**
   * Records partial progress (e.g. one partner's results) while the connector still runs; the
   * executor appends it to the action's progress in the ledger, where
   * `GET /v1/actions/:id/events` streams it. Absent when the ledger keeps no progress. A failure
   * to record never fails the command: the final result still carries everything.
   */
  readonly progress?: (payload: Record<string, unknown>) => Promise<void>;
}

/** A connector executes approved commands of some types through a bridge. */
export interface Connector {
  readonly name: string;
  readonly commandTypes: readonly string[];
  execute(
    command: { command_type: string; params: Record<string, unknown>; action_id: string },
    ctx: ExecutionContext,
  ): Promise<Record<string, unknown>>;
}

/** Result of submitting a command through the intake. */
export interface SubmitResult {
  /** 202 for a new action, 200 when the same action_id and payload were already submitted. */
  readonly httpStatus: 200 | 202;
  readonly action: ActionRecord;
}

/**
 * The intake: validates a submitted command, records it and enqueues it. Throws
 * OrchestratorError: ORC_ERR_CONTRACT_* (400/413, with field-level details),
 * ORC_ERR_INTAKE_CONFLICT (409, same action_id with another payload), or an unavailable error
 * (503) when Redis or the ledger cannot be written.
 */
export interface IntakeService {
  submit(agent: { readonly id: string; readonly queue?: string }, body: unknown): Promise<SubmitResult>;
}

/** Readiness of one dependency. */
export interface ReadinessCheck {
  readonly ok: boolean;
  readonly detail?: string;
}

export interface Readiness {
  check(): Promise<{
    ok: boolean;
    checks: Record<string, ReadinessCheck>;
    /**
     * Health of each connector (breaker state, last error envelope, counters). Informational: an
     * open breaker does not make the daemon unready, since commands still queue and other
     * connectors still run.
     */
    connectors?: Record<string, object>;
    /** The policy in force (revision, engine): informational. */
    policy?: Record<string, unknown>;
    /** This replica's view of the kill switch (version, halts, stale): informational. */
    kill_switch?: Record<string, unknown>;
  }>;
}

/** One command both the jury and a person decided on (input of the jury agreement report). */
export interface JuryReviewRow {
  readonly jury: 'approve' | 'needs_approval';
  readonly human: 'approve' | 'reject';
  readonly verdicts: readonly ('approve' | 'reject' | null)[];
}

/** One progress record of a running action (`action_progress`). */
export interface ActionProgress {
  readonly id: number;
  /** What kind of progress, e.g. `discovery.partner`. */
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly at: string;
}

/** A curated Shopify partner searched by DISCOVER_PRODUCTS (`shopify_curated_partners`). */
export interface CuratedPartner {
  readonly slug: string;
  readonly shopUrl: string;
  readonly mcpEndpoint: string;
  readonly capabilities: readonly string[];
  /** Decimal string with two places, e.g. `'12.50'` (never a float: it prices products). */
  readonly pricePremiumPercent: string;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type PartnerUpsert = Omit<CuratedPartner, 'createdAt' | 'updatedAt'>;

/** A masked product id handed to clients and what it stands for (`shopify_product_ids`). */
export interface ProductIdMapping {
  readonly maskedId: string;
  readonly partnerSlug: string;
  readonly originalId: string;
}

/**
 * Where curated partners and product id mappings live. The SQL ledger implements it (Postgres
 * and PGlite); the discovery connector and the admin API are written against it.
 */
export interface PartnerStore {
  /** Inserts or replaces the partner; returns it as stored. */
  upsertPartner(p: PartnerUpsert): Promise<{ created: boolean; partner: CuratedPartner }>;
  /** Partners by slug; only enabled ones when `enabledOnly`. */
  listPartners(q?: { enabledOnly?: boolean }): Promise<CuratedPartner[]>;
  /** Stores mappings; an existing masked id keeps its first mapping (ids are deterministic). */
  saveProductMappings(mappings: readonly ProductIdMapping[]): Promise<void>;
  /** What a masked id stands for, or undefined. */
  resolveProductId(maskedId: string): Promise<ProductIdMapping | undefined>;
}
/** What the kill switch's audit records: pause, resume, halt, release, a pending two-person release. */
export const SWITCH_OPERATIONS = ['pause', 'resume', 'halt', 'release', 'release_requested'] as const;
export type SwitchOperation = (typeof SWITCH_OPERATIONS)[number];

/** One flip of the kill switch or of the poller, as the ledger keeps it. */
export interface SwitchFlip {
  /** Version of the switch state after the flip. */
  readonly version: number;
  readonly operation: SwitchOperation;
  /** `master`, a scope's kind, or null (pause, resume). */
  readonly scopeKind: 'master' | 'connector' | 'command_type' | 'agent' | null;
  readonly scopeValue: string | null;
  /** Token subject of the person, or `system:<component>`. */
  readonly subject: string;
  readonly reason: string;
  /** The whole switch state after the flip. */
  readonly state: Record<string, unknown>;
  readonly at: string;
}

export type NewSwitchFlip = Omit<SwitchFlip, 'at'>;
