/**
 * Shapes the input document the policy sees (docs/policies.md, "The input document"). The
 * counts come from the ledger (`Ledger.history`); this module only checks and arranges them, so
 * both engines and the CLI's `policy eval` give the policy exactly the same document.
 */
import type { HistoryContext, PolicyInput } from '../core/types.ts';
import { PolicyErrors } from '../errors/policy.ts';
import { OrchestratorError } from '../errors/registry.ts';

function count(value: unknown, field: string): number {
  // A negative or fractional counter would silently weaken the refresh-storm rules.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new OrchestratorError(PolicyErrors.BAD_INPUT, {
      reason: `context.history.${field} must be a non-negative integer, got ${String(value)}`,
    });
  }
  return value;
}

function counters(h: HistoryContext['service'] | undefined, scope: 'service' | 'agent') {
  return {
    attempts_1h: count(h?.attempts_1h, `${scope}.attempts_1h`),
    denials_1h: count(h?.denials_1h, `${scope}.denials_1h`),
  };
}

/**
 * Builds the policy input for one command.
 *
 * @param command the validated command (envelope: `action_id`, `command_type`, `params`,
 *   `severity`, `metadata`), as the command contract parsed it. Copied, not referenced.
 * @param agent who enqueued it (from its credential or queue, never from the body)
 * @param history the ledger's counts for the last hour (earlier commands only)
 * @param now evaluation time; becomes `now` in RFC 3339 UTC
 *
 * @example
 * ```ts
 * const history = await ledger.history({ commandType, service, agentId, windowMs: 3_600_000 });
 * const input = buildPolicyInput(command, { id: agentId, queue }, history, new Date());
 * const decision = engine.decide(input);
 * ```
 */
export function buildPolicyInput(
  command: Readonly<Record<string, unknown>>,
  agent: { readonly id: string; readonly queue: string },
  history: HistoryContext,
  now: Date,
): PolicyInput {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) {
    throw new OrchestratorError(PolicyErrors.BAD_INPUT, { reason: 'now is not a valid date' });
  }
  return {
    command: { ...command },
    agent: { id: agent.id, queue: agent.queue },
    context: {
      history: {
        service: counters(history.service, 'service'),
        agent: counters(history.agent, 'agent'),
      },
    },
    now: new Date(ms).toISOString(),
  };
}
