/**
 * String builtins, as OPA's `topdown/strings.go` and `casts.go` (`to_number`).
 *
 * Positions and lengths are in Unicode code points (Go works on runes), never UTF-16 units.
 * Case mapping, trimming and splitting follow Go's `strings` package: simple (one-to-one) case
 * mapping, `unicode.IsSpace` for `trim_space`, `strings.Split` for `split`.
 *
 * Deviation: OPA's `replace` and `strings.replace_n` with an empty search string insert the
 * replacement between UTF-8 bytes of non-ASCII characters (Go's generic replacer steps bytes);
 * here it is inserted between code points.
 */
import { BuiltinError } from '../errors.ts';
import { normNum, objEntries, RegoSet, typeName, type Value } from '../value.ts';
import {
  argNumber,
  argObject,
  argString,
  type BuiltinRegistry,
  builtinError,
  typeError,
} from './registry.ts';
import { cpWidth } from './strings-go.ts';
import { renderTemplate } from './strings-template.ts';

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** OPA's element error: `operand 2 must be array of strings but got array containing number`. */
export function elementError(pos: number, composite: Value, elem: Value, expected: string): never {
  const t = typeName(composite);
  throw new BuiltinError(
    'eval_type_error',
    `operand ${pos} must be ${t} of ${expected}s but got ${t} containing ${typeName(elem)}`,
  );
}

/** OPA's IntOperand: a number that is an integer fitting a Go int. */
export function intOperand(args: Value[], i: number): number {
  const v = argNumber(args, i);
  if (typeof v === 'bigint' || !Number.isInteger(v)) {
    throw new BuiltinError(
      'eval_type_error',
      `operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return v;
}

const SURROGATE = /[\uD800-\uDFFF]/;
const NON_ASCII = /[^\x00-\x7f]/;

/** Number of code points in s. */
function runeLen(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Strings of an array or set operand (string elements only), or a single string. */
function stringsOperand(v: Value, pos: number): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) || v instanceof RegoSet) {
    const items = Array.isArray(v) ? v : v.sorted();
    for (const x of items) if (typeof x !== 'string') elementError(pos, v, x, 'string');
    return items as string[];
  }
  return typeError(pos, 'one of {string, set, array}', v);
}

function reverse(s: string): string {
  return Array.from(s).reverse().join('');
}

/** Whether any of strs starts with any of prefixes. */
function anyStartsWithAny(strs: string[], prefixes: string[]): boolean {
  if (strs.length === 0 || prefixes.length === 0) return false;
  if (strs.length * prefixes.length <= 256) return strs.some((s) => prefixes.some((p) => s.startsWith(p)));
  // Strings sharing a prefix sort right after it: one binary search per prefix.
  const sorted = [...strs].sort();
  return prefixes.some((p) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && sorted[lo]!.startsWith(p);
  });
}

// ---------------------------------------------------------------------------------------------
// Case mapping (Go's unicode.ToLower/ToUpper: simple one-to-one mappings)

function simpleUpper(cp: number): number | undefined {
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return cp + 8;
  }
  if (cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) return cp + 9;
  return undefined;
}

function mapCase(s: string, upper: boolean): string {
  if (!NON_ASCII.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  let out = '';
  for (const ch of s) {
    const m = upper ? ch.toUpperCase() : ch.toLowerCase();
    if (m === ch || runeLen(m) === 1) {
      out += m;
      continue;
    }
    // The full mapping has several code points; Go uses the simple mapping (often none).
    const cp = ch.codePointAt(0)!;
    if (!upper && cp === 0x130) out += 'i';
    else {
      const u = upper ? simpleUpper(cp) : undefined;
      out += u === undefined ? ch : String.fromCodePoint(u);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Splitting and replacing (Go's strings package)

/** Go's explode: s split into code points, at most n parts (n < 0: all). */
function explode(s: string, n: number): string[] {
  const cps = Array.from(s);
  if (n < 0 || n > cps.length) n = cps.length;
  if (n === 0) return [];
  const out = cps.slice(0, n - 1);
  out.push(cps.slice(n - 1).join(''));
  return out;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  if (sep === '') return explode(s, n);
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  const head = parts.slice(0, n - 1);
  head.push(parts.slice(n - 1).join(sep));
  return head;
}

/**
 * Go's strings.NewReplacer(pairs...).Replace(s): at each position the earliest pair (in
 * argument order) whose old string matches wins; matches do not overlap; an empty old string
 * matches between code points but not twice in a row at the same position.
 */
function replacePairs(pairs: ReadonlyArray<readonly [string, string]>, s: string): string {
  const byFirst = new Map<number, number[]>();
  let empty = -1;
  pairs.forEach(([k], idx) => {
    if (k === '') {
      if (empty < 0) empty = idx;
      return;
    }
    const c = k.charCodeAt(0);
    const list = byFirst.get(c);
    if (list) list.push(idx);
    else byFirst.set(c, [idx]);
  });
  let out = '';
  let last = 0;
  let prevMatchEmpty = false;
  let i = 0;
  while (i <= s.length) {
    let found = -1;
    const cands = i < s.length ? byFirst.get(s.charCodeAt(i)) : undefined;
    if (cands) {
      for (const idx of cands) {
        if (empty >= 0 && !prevMatchEmpty && empty < idx) break;
        if (s.startsWith(pairs[idx]![0], i)) {
          found = idx;
          break;
        }
      }
    }
    if (found < 0 && empty >= 0 && !prevMatchEmpty) found = empty;
    if (found >= 0) {
      const [k, v] = pairs[found]!;
      prevMatchEmpty = k === '';
      out += s.slice(last, i) + v;
      i += k.length;
      last = i;
      continue;
    }
    prevMatchEmpty = false;
    if (i >= s.length) break;
    i += cpWidth(s, i);
  }
  if (last < s.length) out += s.slice(last);
  return out;
}

/** Go's strings.Replace(s, old, new, -1). */
function replaceAll(s: string, old: string, repl: string): string {
  if (old === '') return replacePairs([[old, repl]], s);
  return s.split(old).join(repl);
}

// ---------------------------------------------------------------------------------------------
// Trimming

function cutsetHas(cutset: string): (cp: string) => boolean {
  if (cutset.length === 1) return (c) => c === cutset;
  const set = new Set(Array.from(cutset));
  return (c) => set.has(c);
}

function trimLeftFn(s: string, drop: (c: string) => boolean): string {
  let i = 0;
  while (i < s.length) {
    const w = cpWidth(s, i);
    if (!drop(s.slice(i, i + w))) break;
    i += w;
  }
  return s.slice(i);
}

function trimRightFn(s: string, drop: (c: string) => boolean): string {
  let j = s.length;
  while (j > 0) {
    let w = 1;
    const c = s.charCodeAt(j - 1);
    if (c >= 0xdc00 && c <= 0xdfff && j >= 2) {
      const h = s.charCodeAt(j - 2);
      if (h >= 0xd800 && h <= 0xdbff) w = 2;
    }
    if (!drop(s.slice(j - w, j))) break;
    j -= w;
  }
  return s.slice(0, j);
}

/** Go's unicode.IsSpace. */
function isGoSpace(c: string): boolean {
  const r = c.codePointAt(0)!;
  if (r <= 0xff) return r === 0x20 || (r >= 0x09 && r <= 0x0d) || r === 0x85 || r === 0xa0;
  return (
    r === 0x1680 ||
    (r >= 0x2000 && r <= 0x200a) ||
    r === 0x2028 ||
    r === 0x2029 ||
    r === 0x202f ||
    r === 0x205f ||
    r === 0x3000
  );
}

// ---------------------------------------------------------------------------------------------
// to_number (Go's strconv.ParseFloat syntax)

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEXFLOAT_RE = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))[pP]([+-]?\d+)$/;
const INTEGER_RE = /^[+-]?\d+$/;

function parseHexFloat(m: RegExpExecArray): number {
  const [, sign, mant = '', exp = '0'] = m;
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const fracDigits = dot < 0 ? 0 : mant.length - dot - 1;
  const v = Number.parseInt(digits, 16) * 2 ** (Number(exp) - 4 * fracDigits);
  return sign === '-' ? -v : v;
}

function toNumber(v: Value): Value {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v !== 'string') return typeError(1, 'one of {null, boolean, number, string}', v);
  const lower = v.replace(/^[+-]+/, '').toLowerCase();
  if (lower === 'inf' || lower === 'infinity' || lower === 'nan')
    return typeError(1, 'valid number string', v);
  if (INTEGER_RE.test(v)) return normNum(BigInt(v));
  let n: number;
  const hex = HEXFLOAT_RE.exec(v);
  if (DECIMAL_RE.test(v)) n = Number(v);
  else if (hex) n = parseHexFloat(hex);
  else return builtinError(`strconv.ParseFloat: parsing ${goQuoteSimple(v)}: invalid syntax`);
  if (!Number.isFinite(n))
    return builtinError(`strconv.ParseFloat: parsing ${goQuoteSimple(v)}: value out of range`);
  return normNum(n);
}

/** strconv.Quote for error messages (JSON quoting is close enough for ASCII text). */
function goQuoteSimple(s: string): string {
  return JSON.stringify(s);
}

// ---------------------------------------------------------------------------------------------

/** Registers the string builtins and `to_number`. */
export function register(r: BuiltinRegistry): void {
  r.def('concat', 2, 'strings', (args) => {
    const join = argString(args, 0);
    const coll = args[1] as Value;
    let items: Value[];
    if (Array.isArray(coll)) items = coll;
    else if (coll instanceof RegoSet) items = coll.sorted();
    else return typeError(2, 'one of {set, array}', coll);
    for (const x of items) if (typeof x !== 'string') elementError(2, coll, x, 'string');
    return (items as string[]).join(join);
  });

  r.def('contains', 2, 'strings', (args) => argString(args, 0).includes(argString(args, 1)));
  r.def('startswith', 2, 'strings', (args) => argString(args, 0).startsWith(argString(args, 1)));
  r.def('endswith', 2, 'strings', (args) => argString(args, 0).endsWith(argString(args, 1)));

  r.def('format_int', 2, 'strings', (args) => {
    const x = argNumber(args, 0);
    const base = argNumber(args, 1);
    if (base !== 2 && base !== 8 && base !== 10 && base !== 16) {
      throw new BuiltinError('eval_type_error', 'operand 2 must be one of {2, 8, 10, 16}');
    }
    const i = typeof x === 'bigint' ? x : BigInt(Math.trunc(x));
    return i.toString(base);
  });

  r.def('indexof', 2, 'strings', (args) => {
    const base = argString(args, 0);
    const search = argString(args, 1);
    if (search === '') return builtinError('empty search character');
    const idx = base.indexOf(search);
    return idx < 0 ? -1 : runeLen(base.slice(0, idx));
  });

  r.def('indexof_n', 2, 'strings', (args) => {
    const base = argString(args, 0);
    const search = argString(args, 1);
    if (search === '') return builtinError('empty search character');
    const out: number[] = [];
    let from = 0;
    let cpPos = 0;
    let prev = 0;
    for (;;) {
      const idx = base.indexOf(search, from);
      if (idx < 0) break;
      cpPos += runeLen(base.slice(prev, idx));
      prev = idx;
      out.push(cpPos);
      from = idx + cpWidth(base, idx);
    }
    return out;
  });

  r.def('substring', 3, 'strings', (args) => {
    const base = argString(args, 0);
    const start = intOperand(args, 1);
    const length = intOperand(args, 2);
    if (start < 0) return builtinError('negative offset');
    if (!SURROGATE.test(base)) {
      if (start >= base.length) return '';
      return length < 0 ? base.slice(start) : base.slice(start, start + length);
    }
    const cps = Array.from(base);
    if (start >= cps.length) return '';
    return (length < 0 ? cps.slice(start) : cps.slice(start, start + length)).join('');
  });

  r.def('lower', 1, 'strings', (args) => mapCase(argString(args, 0), false));
  r.def('upper', 1, 'strings', (args) => mapCase(argString(args, 0), true));

  r.def('split', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const d = argString(args, 1);
    if (d === '') return explode(s, -1);
    return s.split(d);
  });

  r.def('strings.split_n', 3, 'strings', (args) => {
    const s = argString(args, 0);
    const d = argString(args, 1);
    const n = intOperand(args, 2);
    if (n >= 0) return splitN(s, d, n);
    const parts = splitN(s, d, -1);
    return parts.slice(Math.max(parts.length + n, 0));
  });

  r.def('replace', 3, 'strings', (args) => {
    const s = argString(args, 0);
    const old = argString(args, 1);
    const repl = argString(args, 2);
    return replaceAll(s, old, repl);
  });

  r.def('strings.replace_n', 2, 'strings', (args) => {
    const patterns = argObject(args, 0);
    const s = argString(args, 1);
    const entries = objEntries(patterns);
    for (const [k] of entries) {
      if (typeof k !== 'string')
        throw new BuiltinError('eval_type_error', 'operand 1 non-string key found in pattern object');
    }
    entries.sort((a, b) =>
      (a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0,
    );
    const pairs: [string, string][] = [];
    for (const [k, v] of entries) {
      if (typeof v !== 'string')
        throw new BuiltinError('eval_type_error', 'operand 1 non-string value found in pattern object');
      pairs.push([k as string, v]);
    }
    return replacePairs(pairs, s);
  });

  r.def('trim', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const c = argString(args, 1);
    if (s === '' || c === '') return s;
    const has = cutsetHas(c);
    return trimRightFn(trimLeftFn(s, has), has);
  });
  r.def('trim_left', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const c = argString(args, 1);
    if (s === '' || c === '') return s;
    return trimLeftFn(s, cutsetHas(c));
  });
  r.def('trim_right', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const c = argString(args, 1);
    if (s === '' || c === '') return s;
    return trimRightFn(s, cutsetHas(c));
  });
  r.def('trim_prefix', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const p = argString(args, 1);
    return s.startsWith(p) ? s.slice(p.length) : s;
  });
  r.def('trim_suffix', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const p = argString(args, 1);
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  });
  r.def('trim_space', 1, 'strings', (args) =>
    trimRightFn(trimLeftFn(argString(args, 0), isGoSpace), isGoSpace),
  );

  r.def('strings.reverse', 1, 'strings', (args) => reverse(argString(args, 0)));

  r.def('strings.count', 2, 'strings', (args) => {
    const s = argString(args, 0);
    const sub = argString(args, 1);
    if (sub === '') return runeLen(s) + 1;
    return s.split(sub).length - 1;
  });

  const affix = (suffix: boolean) => (args: Value[]) => {
    const strs = stringsOperand(args[0] as Value, 1);
    const bases = stringsOperand(args[1] as Value, 2);
    if (suffix) return anyStartsWithAny(strs.map(reverse), bases.map(reverse));
    return anyStartsWithAny(strs, bases);
  };
  r.def('strings.any_prefix_match', 2, 'strings', affix(false));
  r.def('strings.any_suffix_match', 2, 'strings', affix(true));

  r.def('strings.render_template', 2, 'strings', (args) => {
    const tpl = argString(args, 0);
    const vars = argObject(args, 1);
    return renderTemplate(tpl, vars);
  });

  r.def('to_number', 1, 'conversions', (args) => toNumber(args[0] as Value));
}
