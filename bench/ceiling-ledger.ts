/**
 * A diagnostic for `bench:pipeline -- --ceiling`: a ledger whose two hot writes (the fast path's
 * createAdvanced and the result's transition) are answered from a Map, with the same
 * compare-and-set outcome the SQL gives, and every other call passed to a real ledger.
 *
 * It measures what the pipeline costs without durable writes: an upper bound on what any
 * ledger can reach on the same machine. It is bench-only on purpose: the daemon never runs
 * without a durable ledger (a command must not execute before its decision is recorded).
 */
import type { ActionRecord, ActionStatus, Ledger, NewAction } from '../daemon/core/types.ts';

type Step = { readonly to: ActionStatus; readonly payload: Record<string, unknown> };

/**
 * Wraps `ledger` so createAdvanced and transition stay in memory.
 *
 * @example
 * ```ts
 * const memory = withMemoryHotWrites(await createLedger({ dataDir: 'memory://' }));
 * ```
 */
export function withMemoryHotWrites(ledger: Ledger): Ledger {
  const status = new Map<string, ActionStatus>();
  const key = (agentId: string, actionId: string): string => `${agentId}\u0000${actionId}`;
  const createAdvanced = async (a: NewAction, steps: readonly Step[]): Promise<ActionRecord | undefined> => {
    const k = key(a.agentId, a.actionId);
    if (status.has(k)) return undefined;
    const to = steps.at(-1)?.to ?? 'QUEUED';
    status.set(k, to);
    const now = new Date().toISOString();
    return { ...a, status: to, result: null, error: null, createdAt: now, updatedAt: now };
  };
  const transition = async (
    agentId: string,
    actionId: string,
    to: ActionStatus,
    payload: Record<string, unknown>,
    opts: { from?: readonly ActionStatus[] } = {},
  ): Promise<boolean> => {
    const k = key(agentId, actionId);
    const cur = status.get(k);
    if (cur === undefined) return ledger.transition(agentId, actionId, to, payload, opts);
    if (opts.from && !opts.from.includes(cur)) return false;
    status.set(k, to);
    return true;
  };
  // A Proxy rather than a class restating the whole Ledger interface: everything but the two
  // hot writes must behave exactly as the wrapped ledger does.
  return new Proxy(ledger, {
    get(target, prop, receiver) {
      if (prop === 'createAdvanced') return createAdvanced;
      if (prop === 'transition') return transition;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
