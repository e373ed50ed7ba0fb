/**
 * Error codes of the policy step (`ORC_ERR_POLICY_*`). The pipeline treats every one of them
 * the same way: the command is BLOCKED and an alert goes out (fail closed). The codes differ so
 * that on-call staff can tell a broken policy from an overloaded one.
 *
 * @example
 * ```ts
 * import { PolicyErrors } from './policy.ts';
 * throw new OrchestratorError(PolicyErrors.LIMIT, { engine: 'rego', reason: 'step limit 100000 exceeded' });
 * ```
 */
import { defineErrors } from './registry.ts';

export const PolicyErrors = defineErrors('POLICY', {
  LOAD_FAILED: {
    status: 500,
    message: 'policy could not be loaded from {source}: {reason}',
    doc:
      'The policy files could not be read, parsed or compiled, or do not define the entry point. ' +
      'At start-up the daemon refuses to run; fix the files shown in the message (`npm run policy:test`).',
  },
  TESTS_FAILED: {
    status: 500,
    message: 'policy from {source} refused: its own tests did not pass ({summary}): {tests}',
    doc:
      'The policy compiled but its `*_test.rego` tests failed or errored (or there are none), so it ' +
      'was not put in force. Run `npm run policy:test` on the policy directory and fix the rule or the test.',
  },
  EVAL_FAILED: {
    status: 500,
    message: 'policy evaluation failed ({engine}): {reason}',
    doc:
      'The policy raised an error while deciding (for instance a conflict between two rule values or ' +
      'a builtin error in strict mode). The command is blocked; the message names the rule and line.',
  },
  LIMIT: {
    status: 500,
    message: 'policy evaluation exceeded its limits ({engine}): {reason}',
    doc:
      'Deciding took more evaluation steps or time than `maxSteps` / `timeoutMs` allow. The command is ' +
      'blocked. Make the policy cheaper (see docs/policies.md, "Keeping it fast") or raise the limits.',
  },
  BAD_DECISION: {
    status: 500,
    message: 'policy returned an invalid decision at {entrypoint}: {reason}',
    doc:
      'The decision document is undefined or does not have the documented shape ' +
      '`{action, risk, reasons, alert}`. The command is blocked. Give the decision a `default` and check its fields.',
  },
  BAD_INPUT: {
    status: 500,
    message: 'policy input could not be built: {reason}',
    doc:
      'The daemon could not build the input document (an invalid clock value or history counters that are ' +
      'not non-negative integers). The command is blocked; this is a bug in the daemon or the ledger.',
  },
});
