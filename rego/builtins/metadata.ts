/**
 * `rego.metadata.chain()` and `rego.metadata.rule()`. Their value depends only on the rule the
 * call is written in, so, as OPA's compiler does, the link step replaces each call inside a
 * rule with a copy of the builtin returning that rule's value (`compiler/metadata.ts`): the
 * evaluator does no annotation lookup. The implementations registered here are only reached
 * by a call outside any rule (an ad-hoc query), where there is no rule to describe.
 */
import { builtinError, type BuiltinRegistry } from './registry.ts';

export const METADATA_CHAIN = 'rego.metadata.chain';
export const METADATA_RULE = 'rego.metadata.rule';

export function register(r: BuiltinRegistry): void {
  for (const name of [METADATA_CHAIN, METADATA_RULE]) {
    r.def(name, 0, 'rego', () => builtinError('only available inside a rule'));
  }
}
