/**
 * `internal.template_string`, the builtin template strings (`$"Hello {input.name}!"`) are
 * lowered to by the parser (see `parseTemplate` in parser-terms.ts). Its operand is an array of
 * parts: strings (the template's text) and sets, each holding the values of one template
 * expression. As in OPA, a part renders as its string, or in Rego syntax for other values
 * (`[1, "a"]`, `{"k": "v"}`, `set()`); an empty set (the expression is undefined) renders as
 * `<undefined>`; a set of several values is an `eval_conflict_error`, raised in non-strict
 * evaluation too.
 */
import { RegoError } from '../errors.ts';
import { RegoSet, toRegoString, type Value } from '../value.ts';
import { argArray, type BuiltinRegistry } from './registry.ts';

/** How one value renders inside a template string: strings as they are, the rest as Rego. */
export function templateText(v: Value): string {
  return typeof v === 'string' ? v : toRegoString(v);
}

function renderTemplate(parts: Value[]): string {
  let out = '';
  for (const p of parts) {
    if (p instanceof RegoSet) {
      if (p.size > 1)
        throw new RegoError('eval_conflict_error', 'template-strings must not produce multiple outputs');
      const [v] = p.sorted();
      out += v === undefined ? '<undefined>' : templateText(v);
    } else if (p === null || typeof p !== 'object') {
      out += templateText(p);
    } else {
      throw new RegoError(
        'eval_internal_error',
        `illegal argument type: ${Array.isArray(p) ? 'array' : 'object'}`,
      );
    }
  }
  return out;
}

export function register(r: BuiltinRegistry): void {
  r.def('internal.template_string', 1, 'strings', (args) => renderTemplate(argArray(args, 0)));
}
