/** Comparison operators (`==`, `!=`, `<`, …), which the parser desugars into these calls. */
import { compare, equal, isObject, objEntries, objGet, RegoSet } from '../value.ts';
import type { BuiltinRegistry } from './registry.ts';

export function register(r: BuiltinRegistry): void {
  r.def('equal', 2, 'comparison', ([a, b]) => equal(a!, b!));
  r.def('neq', 2, 'comparison', ([a, b]) => !equal(a!, b!));
  r.def('lt', 2, 'comparison', ([a, b]) => compare(a!, b!) < 0);
  r.def('lte', 2, 'comparison', ([a, b]) => compare(a!, b!) <= 0);
  r.def('gt', 2, 'comparison', ([a, b]) => compare(a!, b!) > 0);
  r.def('gte', 2, 'comparison', ([a, b]) => compare(a!, b!) >= 0);
  registerMembership(r);
}

/** Membership operators: `x in xs` and `k, v in xs`, which the parser desugars into these calls. */
export function registerMembership(r: BuiltinRegistry): void {
  r.def('internal.member_2', 2, 'comparison', ([x, coll]) => {
    if (Array.isArray(coll)) return coll.some((v) => equal(v, x!));
    if (coll instanceof RegoSet) return coll.has(x!);
    if (isObject(coll)) return objEntries(coll).some(([, v]) => equal(v, x!));
    return false;
  });
  r.def('internal.member_3', 3, 'comparison', ([k, v, coll]) => {
    if (Array.isArray(coll)) {
      return typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < coll.length && equal(coll[k]!, v!);
    }
    if (coll instanceof RegoSet) return equal(k!, v!) && coll.has(k!);
    if (isObject(coll)) {
      const got = objGet(coll, k!);
      return got !== undefined && equal(got, v!);
    }
    return false;
  });
}
