/**
 * Sets: `and` (`&`, intersection), `or` (`|`, union), and `intersection`/`union` over a set of
 * sets. Set difference is `minus` (numbers family).
 */
import { RegoSet, type Value } from '../value.ts';
import { argSet, type BuiltinRegistry, typeError } from './registry.ts';

function intersect(a: RegoSet, b: RegoSet): RegoSet {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RegoSet();
  for (const v of small) if (big.has(v)) out.add(v);
  return out;
}

/** The elements of a set of sets; each element must be a set (`operand 1 must be set but got T`). */
function memberSets(args: Value[]): RegoSet[] {
  const outer = argSet(args, 0);
  return outer.sorted().map((x) => (x instanceof RegoSet ? x : typeError(1, 'set', x)));
}

export function register(r: BuiltinRegistry): void {
  r.def('and', 2, 'sets', (args) => intersect(argSet(args, 0), argSet(args, 1)));
  r.def('or', 2, 'sets', (args) => {
    const a = argSet(args, 0);
    const b = argSet(args, 1);
    const out = new RegoSet(a);
    for (const v of b) out.add(v);
    return out;
  });
  r.def('intersection', 1, 'sets', (args) => {
    const sets = memberSets(args);
    if (sets.length === 0) return new RegoSet();
    let acc = sets[0]!;
    for (let i = 1; i < sets.length; i++) acc = intersect(acc, sets[i]!);
    return acc;
  });
  r.def('union', 1, 'sets', (args) => {
    const out = new RegoSet();
    for (const s of memberSets(args)) for (const v of s) out.add(v);
    return out;
  });
}
