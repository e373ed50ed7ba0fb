/** Arrays: `array.concat`, `array.slice`, `array.reverse`, `array.flatten`. */
import type { Value } from '../value.ts';
import { intOperand } from './numbers-exact.ts';
import { argArray, type BuiltinRegistry } from './registry.ts';

export function register(r: BuiltinRegistry): void {
  r.def('array.concat', 2, 'array', (args) => {
    const a = argArray(args, 0);
    const b = argArray(args, 1);
    return a.concat(b);
  });

  // Indices are clamped as in OPA: stop to [0, len], start to [0, stop].
  r.def('array.slice', 3, 'array', (args) => {
    const arr = argArray(args, 0);
    let start = intOperand(args, 1);
    let stop = intOperand(args, 2);
    if (stop < 0) stop = 0;
    else if (stop > arr.length) stop = arr.length;
    if (start < 0) start = 0;
    else if (start > stop) start = stop;
    return arr.slice(start, stop);
  });

  r.def('array.reverse', 1, 'array', (args) => [...argArray(args, 0)].reverse());

  // One level: array elements are spliced in, other elements are kept as they are.
  r.def('array.flatten', 1, 'array', (args) => {
    const out: Value[] = [];
    for (const x of argArray(args, 0)) {
      if (Array.isArray(x)) for (const y of x) out.push(y);
      else out.push(x);
    }
    return out;
  });
}
