/**
 * The execution gate: the pipeline asks it immediately before every side effect (a connector
 * call) whether the kill switch lets this action run. The kill switch (`daemon/control/`)
 * implements it from the replica's local copy of the switch state, so a check costs no I/O.
 *
 * The pipeline checks twice: before recording EXECUTING (a closed gate records HELD instead)
 * and once more, synchronously, right before calling the connector — a halt that landed during
 * the EXECUTING write still stops the call.
 */

/** What the gate matches: the action, its command type and the connector that would run it. */
export interface GateSubject {
  readonly agentId: string;
  readonly actionId: string;
  readonly commandType: string;
  readonly connector: string;
}

export type GateVerdict =
  | { readonly open: true }
  | {
      readonly open: false;
      /** `master`, `<kind>:<value>` of a scoped halt, or `stale` (the switch could not be read). */
      readonly scope: string;
      readonly reason: string;
      /** Switch version the replica holds; null when it never read one. */
      readonly version: number | null;
    };

/** Recorded on an action whose call was already running when a halt covering it landed. */
export interface InFlightNote {
  readonly version: number;
  readonly scope: string;
  readonly landedAt: string;
}

/** A call that passed the gate; `end()` once the connector returned. */
export interface GatePass {
  end(): InFlightNote | undefined;
}

export interface ExecutionGate {
  /** Whether `subject` may run now. Synchronous: it reads local state only. */
  check(subject: GateSubject): GateVerdict;
  /**
   * Checks and, when open, registers the call as in flight in the same synchronous step, so a
   * halt applied afterwards knows about it.
   */
  enter(subject: GateSubject): { verdict: GateVerdict; pass?: GatePass };
}

const NO_PASS: GatePass = { end: () => undefined };

/** The gate of a daemon without a kill switch (unit tests of other parts): always open. */
export const OPEN_GATE: ExecutionGate = {
  check: () => ({ open: true }),
  enter: () => ({ verdict: { open: true }, pass: NO_PASS }),
};
