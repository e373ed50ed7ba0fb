/**
 * OPA builtins this engine does not implement. They are registered (with OPA's arity) so that a
 * policy that names them still compiles, and so tests can replace them with `with … as …`, as in
 * OPA. Calling one for real raises `eval_builtin_error` (undefined in non-strict mode), so a
 * policy that depends on one fails closed.
 */
import { builtinError, type BuiltinRegistry } from './registry.ts';

/** name → [arity, reason] */
const UNSUPPORTED: Record<string, [number, string]> = {
  'http.send': [1, 'network calls are not allowed in the decision path'],
  'net.lookup_ip_addr': [1, 'DNS lookups are network calls, which are not allowed in the decision path'],
  'rego.parse_module': [2, "OPA's JSON AST format is not produced by this engine"],
};

export function register(r: BuiltinRegistry): void {
  for (const [name, [arity, reason]] of Object.entries(UNSUPPORTED)) {
    if (r.has(name)) continue; // a real implementation registered earlier wins
    r.def(name, arity, 'unsupported', () => builtinError(`not supported by this engine: ${reason}`), {
      unsupported: reason,
    });
  }
}
