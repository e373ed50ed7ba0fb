/** Comparison operators (`==`, `!=`, `<`, …), which the parser desugars into these calls. */
import { compare, equal } from '../value.ts';
import type { BuiltinRegistry } from './registry.ts';

export function register(r: BuiltinRegistry): void {
  r.def('equal', 2, 'comparison', ([a, b]) => equal(a!, b!));
  r.def('neq', 2, 'comparison', ([a, b]) => !equal(a!, b!));
  r.def('lt', 2, 'comparison', ([a, b]) => compare(a!, b!) < 0);
  r.def('lte', 2, 'comparison', ([a, b]) => compare(a!, b!) <= 0);
  r.def('gt', 2, 'comparison', ([a, b]) => compare(a!, b!) > 0);
  r.def('gte', 2, 'comparison', ([a, b]) => compare(a!, b!) >= 0);
}
