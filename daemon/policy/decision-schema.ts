/**
 * The decision document every policy engine must return (docs/policies.md, "The decision
 * document"). The policy is code written by another team and hot-reloaded, so its output is
 * checked like any untrusted input: strict (no unknown keys), bounded, and anything else is
 * `ORC_ERR_POLICY_BAD_DECISION`, which blocks the command.
 *
 * @example
 * ```ts
 * const doc = parseDecision(toJSON(result.value), 'data.orchestrator.decision');
 * doc.action; // 'allow' | 'judge' | 'block'
 * ```
 */
import { z } from 'zod';
import { PolicyErrors } from '../errors/policy.ts';
import { OrchestratorError } from '../errors/registry.ts';

/** Bounds keep a runaway policy from writing megabytes into every ledger row. */
export const DECISION_LIMITS = {
  maxReasons: 100, // reasons per decision
  maxReasonLength: 4_096, // characters per reason
  maxTeams: 20, // teams per alert
  maxTeamLength: 100, // characters per team name
} as const;

export const policyAlertSchema = z.strictObject({
  // `info` is accepted because the daemon's Alert type has it; the shipped policy uses the others.
  severity: z.enum(['critical', 'high', 'warning', 'info']),
  // An alert that pages nobody is a policy bug, not a quiet alert.
  teams: z.array(z.string().min(1).max(DECISION_LIMITS.maxTeamLength)).min(1).max(DECISION_LIMITS.maxTeams),
});

export const policyDecisionSchema = z.strictObject({
  action: z.enum(['allow', 'judge', 'block']),
  risk: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  reasons: z.array(z.string().max(DECISION_LIMITS.maxReasonLength)).max(DECISION_LIMITS.maxReasons),
  alert: policyAlertSchema.nullable(),
});

/** The decision as the policy returns it, before the engine adds revision and timing. */
export type PolicyDecisionDocument = z.infer<typeof policyDecisionSchema>;

/** One line per problem, `path: message`, short enough for a log line and a ledger row. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(decision)'}: ${i.message}`)
    .join('; ');
}

/**
 * Checks a decision document; throws `ORC_ERR_POLICY_BAD_DECISION` when it is undefined or
 * malformed.
 *
 * @param value the decision as plain JSON (`undefined` when the policy left it undefined)
 * @param entrypoint named in the error, e.g. `data.orchestrator.decision`
 *
 * @example
 * ```ts
 * parseDecision({ action: 'allow', risk: 'LOW', reasons: [], alert: null }, 'data.orchestrator.decision');
 * parseDecision(undefined, 'data.orchestrator.decision'); // throws ORC_ERR_POLICY_BAD_DECISION
 * ```
 */
export function parseDecision(value: unknown, entrypoint: string): PolicyDecisionDocument {
  if (value === undefined) {
    throw new OrchestratorError(PolicyErrors.BAD_DECISION, {
      entrypoint,
      reason: 'the decision is undefined (give it a `default`)',
    });
  }
  const parsed = policyDecisionSchema.safeParse(value);
  if (!parsed.success) {
    throw new OrchestratorError(PolicyErrors.BAD_DECISION, {
      entrypoint,
      reason: describeIssues(parsed.error),
    });
  }
  return parsed.data;
}
