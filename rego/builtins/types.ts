/** Types: `is_number`, `is_string`, …, and `type_name`. Each returns false (never undefined). */
import { isNumber, isObject, RegoSet, typeName, type Value } from '../value.ts';
import type { BuiltinRegistry } from './registry.ts';

const CHECKS: readonly [string, (v: Value) => boolean][] = [
  ['is_number', (v) => isNumber(v)],
  ['is_string', (v) => typeof v === 'string'],
  ['is_boolean', (v) => typeof v === 'boolean'],
  ['is_array', (v) => Array.isArray(v)],
  ['is_set', (v) => v instanceof RegoSet],
  ['is_object', (v) => isObject(v)],
  ['is_null', (v) => v === null],
];

export function register(r: BuiltinRegistry): void {
  for (const [name, check] of CHECKS) r.def(name, 1, 'types', (args) => check(args[0] as Value));
  r.def('type_name', 1, 'types', (args) => typeName(args[0] as Value));
}
