/**
 * When a checkout completion fails after payment, the session leg it belongs to becomes
 * `failed`, so the experience shows the truth and nobody commits a leg that was never bought.
 * The move goes through the same compare-and-set as an agent's UPDATE_SESSION_LEG and is only
 * made for the session's owner.
 */
import type { SessionStore } from './session-store.ts';
import { legMoveAllowed } from './session-store.ts';

/** What happened to the leg; recorded in the FAILED action's result. */
export interface LegOutcome {
  readonly session_id: string;
  readonly leg_id: string;
  /** `failed`: moved now; `unchanged`: left alone, see `reason`. */
  readonly outcome: 'failed' | 'unchanged';
  readonly reason?: string;
}

/**
 * Marks the leg failed. Never throws for the leg's state: the refund and the FAILED record
 * matter more than the leg, so a leg that cannot be moved is reported, not raised. A store that
 * cannot answer is reported the same way.
 *
 * @example
 * ```ts
 * const leg = await failCheckoutLeg(sessions, { sessionId, legId, agentId, actionId, reason: 'OUT_OF_STOCK' });
 * // { session_id, leg_id, outcome: 'failed' }
 * ```
 */
export async function failCheckoutLeg(
  sessions: SessionStore,
  q: { sessionId: string; legId: string; agentId: string; actionId: string; reason: string },
): Promise<LegOutcome> {
  const ids = { session_id: q.sessionId, leg_id: q.legId };
  try {
    const leg = await sessions.getLeg(q.sessionId, q.legId);
    if (!leg || leg.ownerAgentId !== q.agentId) {
      return { ...ids, outcome: 'unchanged', reason: 'no such leg in a session of this agent' };
    }
    if (leg.status === 'failed') return { ...ids, outcome: 'unchanged', reason: 'already failed' };
    if (!legMoveAllowed(leg.status, 'failed')) {
      return {
        ...ids,
        outcome: 'unchanged',
        reason: `leg is ${leg.status}; only an admin override moves it`,
      };
    }
    const moved = await sessions.setLegStatus({
      sessionId: q.sessionId,
      legId: q.legId,
      from: leg.status,
      to: 'failed',
      reason: `checkout failed: ${q.reason}`,
      updatedBy: `agent/${q.agentId}/${q.actionId}`,
    });
    return moved
      ? { ...ids, outcome: 'failed' }
      : { ...ids, outcome: 'unchanged', reason: 'the leg changed concurrently' };
  } catch (err) {
    return { ...ids, outcome: 'unchanged', reason: `session store unavailable: ${(err as Error).message}` };
  }
}
