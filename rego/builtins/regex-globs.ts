/**
 * `regex.globs_match`: whether two regexp-style globs match a common non-empty string, as the
 * Go package OPA uses (github.com/yashtewari/glob-intersection v0.2.0), ported with the same
 * results and error messages.
 *
 * The glob syntax: `.` any character, `[...]` a character class (ranges with `-`), `+` and `*`
 * flags after a token, `\` escapes. The original search is exponential in the number of flags;
 * here every step is memoised on its (glob, offset) pairs, which keeps the answers identical and
 * the cost polynomial.
 */
import { BuiltinError } from '../errors.ts';

const T_CHAR = 0;
const T_DOT = 1;
const T_SET = 2;
const F_NONE = 0;
const F_PLUS = 1;
const F_STAR = 2;

interface Token {
  readonly type: number;
  flag: number;
  /** T_CHAR: the code point. */
  readonly r: number;
  /** T_SET: sorted, merged inclusive ranges. */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}

class GlobError extends Error {}

function invalid(input: number[], index: number, message: string): never {
  throw new GlobError(
    `input:${String.fromCodePoint(...input)}, pos:${index}, ${message}: the input provided is invalid`,
  );
}

function mergeRanges(rs: Array<[number, number]>): Array<[number, number]> {
  rs.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

type RuneRead = { newIndex: number; r: number; escaped: boolean } | null;

/** The rune at index (resolving a backslash escape); null at the end of input. */
function nextRune(index: number, input: number[]): RuneRead {
  if (index >= input.length) return null;
  if (input[index] === 0x5c) {
    if (index < input.length - 1) return { newIndex: index + 2, r: input[index + 1]!, escaped: true };
    return invalid(input, index, 'input ends with a \\ (escape) character');
  }
  return { newIndex: index + 1, r: input[index]!, escaped: false };
}

function nextTokenSet(index: number, input: number[]): { newIndex: number; token: Token } {
  const ranges: Array<[number, number]> = [];
  let prev = 0;
  let prevExists = false;
  let complete = false;
  let newIndex = index;
  let cur = nextRune(index, input);
  while (cur) {
    newIndex = cur.newIndex;
    let { r } = cur;
    if (!cur.escaped) {
      if (r === 0x2d) {
        if (!prevExists)
          invalid(input, newIndex, "range character '-' must be preceded by a Unicode character");
        if (newIndex >= input.length - 1) {
          invalid(input, newIndex, "range character '-' must be followed by a Unicode character");
        }
        const hi = nextRune(newIndex, input)!;
        newIndex = hi.newIndex;
        r = hi.r;
        if (!hi.escaped && (r === 0x5d || r === 0x2d)) {
          invalid(input, newIndex, "range character '-' cannot be followed by a special symbol");
        }
        if (r < prev) {
          invalid(
            input,
            newIndex,
            `range is out of order: '${String.fromCodePoint(r)}' comes before '${String.fromCodePoint(prev)}' in Unicode`,
          );
        }
        ranges.push([prev, r]);
        prevExists = false;
      } else if (r === 0x5d) {
        complete = true;
      } else {
        ranges.push([r, r]);
        prev = r;
        prevExists = true;
      }
    } else {
      ranges.push([r, r]);
      prev = r;
      prevExists = true;
    }
    if (complete) break;
    cur = nextRune(newIndex, input);
  }
  if (!complete) invalid(input, newIndex, 'found [ without matching ]');
  return { newIndex, token: { type: T_SET, flag: F_NONE, r: 0, ranges: mergeRanges(ranges) } };
}

function tokenize(input: number[]): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  for (;;) {
    const cur = nextRune(index, input);
    if (!cur) break;
    let newIndex = cur.newIndex;
    let token: Token;
    const { r } = cur;
    if (!cur.escaped && r === 0x2e) {
      token = { type: T_DOT, flag: F_NONE, r: 0, ranges: [] };
    } else if (!cur.escaped && r === 0x5b) {
      const set = nextTokenSet(newIndex, input);
      newIndex = set.newIndex;
      token = set.token;
    } else if (!cur.escaped && r === 0x5d) {
      return invalid(input, newIndex, "set-close ']' with no preceding '['");
    } else if (!cur.escaped && (r === 0x2b || r === 0x2a)) {
      return invalid(input, newIndex, `flag '${String.fromCodePoint(r)}' must be preceded by a non-flag`);
    } else {
      token = { type: T_CHAR, flag: F_NONE, r, ranges: [] };
    }
    const f = nextRune(newIndex, input);
    if (f && !f.escaped && (f.r === 0x2b || f.r === 0x2a)) {
      token.flag = f.r === 0x2b ? F_PLUS : F_STAR;
      newIndex = f.newIndex;
    }
    tokens.push(token);
    index = newIndex;
  }
  return tokens;
}

function sameToken(a: Token, b: Token): boolean {
  if (a.type !== b.type) return false;
  if (a.type === T_CHAR) return a.r === b.r;
  if (a.type === T_DOT) return true;
  if (a.ranges.length !== b.ranges.length) return false;
  return a.ranges.every((r, i) => r[0] === b.ranges[i]![0] && r[1] === b.ranges[i]![1]);
}

/** Drops a flagged token equal to the flagged token before it (t*t+ == t+). */
function simplify(tokens: Token[]): Token[] {
  if (tokens.length === 0) return tokens;
  const simple = [tokens[0]!];
  let latest = tokens[0]!;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.flag !== F_NONE && latest.flag !== F_NONE && sameToken(t, latest)) {
      simple[simple.length - 1]!.flag = t.flag === F_PLUS || latest.flag === F_PLUS ? F_PLUS : F_STAR;
      continue;
    }
    latest = t;
    simple.push(t);
  }
  return simple;
}

function inRanges(r: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  return ranges.some(([lo, hi]) => r >= lo && r <= hi);
}

/** Whether two tokens (ignoring flags) can match a common character. */
function match(a: Token, b: Token): boolean {
  if (a.type > b.type) [a, b] = [b, a];
  if (a.type === T_CHAR) {
    if (b.type === T_CHAR) return a.r === b.r;
    if (b.type === T_DOT) return true;
    return inRanges(a.r, b.ranges);
  }
  if (a.type === T_DOT) return true;
  // Two sets.
  let i = 0;
  let j = 0;
  while (i < a.ranges.length && j < b.ranges.length) {
    const x = a.ranges[i]!;
    const y = b.ranges[j]!;
    if (x[1] < y[0]) i++;
    else if (y[1] < x[0]) j++;
    else return true;
  }
  return false;
}

/** A suffix of one of the two globs: which glob and where it starts. */
type Slice = readonly [number, number];

class Intersector {
  private readonly globs: readonly [Token[], Token[]];
  private readonly memo = new Map<string, boolean>();

  constructor(g1: Token[], g2: Token[]) {
    this.globs = [g1, g2];
  }

  private len(s: Slice): number {
    return this.globs[s[0]]!.length - s[1];
  }

  private at(s: Slice, i: number): Token {
    return this.globs[s[0]]![s[1] + i]!;
  }

  private memoised(kind: string, a: Slice, b: Slice, fn: () => boolean): boolean {
    const key = `${kind}${a[0]}:${a[1]}:${b[0]}:${b[1]}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const v = fn();
    this.memo.set(key, v);
    return v;
  }

  normal(a: Slice, b: Slice): boolean {
    return this.memoised('n', a, b, () => {
      const la = this.len(a);
      const lb = this.len(b);
      let i = 0;
      let j = 0;
      for (; i < la && j < lb; i++, j++) {
        const x = this.at(a, i);
        const y = this.at(b, j);
        if (x.flag === F_NONE && y.flag === F_NONE) {
          if (!match(x, y)) return false;
        } else {
          return this.special([a[0], a[1] + i], [b[0], b[1] + j]);
        }
      }
      return i === la && j === lb;
    });
  }

  private special(a: Slice, b: Slice): boolean {
    const fa = this.at(a, 0).flag;
    if (fa !== F_NONE) return fa === F_PLUS ? this.plus(a, b) : this.star(a, b);
    const fb = this.at(b, 0).flag;
    if (fb === F_PLUS) return this.plus(b, a);
    if (fb === F_STAR) return this.star(b, a);
    return false;
  }

  private plus(plussed: Slice, other: Slice): boolean {
    return this.memoised('p', plussed, other, () => {
      if (!match(this.at(plussed, 0), this.at(other, 0))) return false;
      if (this.star(plussed, [other[0], other[1] + 1])) return true;
      return this.at(other, 0).flag !== F_NONE && this.normal([plussed[0], plussed[1] + 1], other);
    });
  }

  private star(starred: Slice, other: Slice): boolean {
    return this.memoised('s', starred, other, () => {
      const starToken = this.at(starred, 0);
      const nextToken = this.len(starred) > 1 ? this.at(starred, 1) : undefined;
      const lo = this.len(other);
      for (let i = 0; i < lo; i++) {
        const t = this.at(other, i);
        if (nextToken && match(t, nextToken)) {
          if (this.normal([starred[0], starred[1] + 1], [other[0], other[1] + i])) return true;
          if (!match(t, starToken)) return false;
        } else if (!match(t, starToken)) {
          return false;
        }
      }
      return nextToken === undefined;
    });
  }
}

/** Removes matching unflagged prefixes and suffixes; null when they do not match. */
function trimGlobs(g1: Token[], g2: Token[]): [Token[], Token[]] | null {
  let l = 0;
  for (; l < g1.length && l < g2.length && g1[l]!.flag === F_NONE && g2[l]!.flag === F_NONE; l++) {
    if (!match(g1[l]!, g2[l]!)) return null;
  }
  if (l > 0) l--;
  let r1 = g1.length - 1;
  let r2 = g2.length - 1;
  for (
    ;
    r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l && g1[r1]!.flag === F_NONE && g2[r2]!.flag === F_NONE;
    r1--, r2--
  ) {
    if (!match(g1[r1]!, g2[r2]!)) return null;
  }
  if (r1 < g1.length - 1) {
    r1++;
    r2++;
  }
  return [g1.slice(l, r1 + 1), g2.slice(l, r2 + 1)];
}

/**
 * Whether the intersection of two globs matches a non-empty set of non-empty strings. Invalid
 * globs throw an `eval_builtin_error` with the Go package's message.
 */
export function globsMatch(lhs: string, rhs: string): boolean {
  try {
    const c1 = Array.from(lhs, (c) => c.codePointAt(0)!);
    const c2 = Array.from(rhs, (c) => c.codePointAt(0)!);
    const g1 = simplify(tokenize(c1));
    const g2 = simplify(tokenize(c2));
    const trimmed = trimGlobs(g1, g2);
    if (!trimmed) return false;
    return new Intersector(trimmed[0], trimmed[1]).normal([0, 0], [1, 0]);
  } catch (e) {
    if (e instanceof GlobError) throw new BuiltinError('eval_builtin_error', e.message);
    if (e instanceof RangeError)
      throw new BuiltinError('eval_builtin_error', 'globs too complex to intersect');
    throw e;
  }
}
