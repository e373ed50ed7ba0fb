/**
 * Regex builtins, as OPA's `topdown/regex.go`, on re2js: Go's RE2 syntax and semantics, and
 * matching in linear time, so a policy's pattern cannot hang evaluation.
 *
 * Match positions are UTF-16 offsets inside this module, but searches always restart on code
 * point boundaries (empty matches step over a whole code point, as Go steps over a rune), so
 * results equal Go's.
 */
import type { RE2JS } from 're2js';
import type { Value } from '../value.ts';
import { globsMatch } from './regex-globs.ts';
import { compileRegex, compileUncached, LRU, quoteMeta } from './regex-cache.ts';
import { argString, type BuiltinRegistry, builtinError } from './registry.ts';
import { cpWidth, goQuote } from './strings-go.ts';
import { intOperand } from './strings.ts';

function utf8Len(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/**
 * Go's (*Regexp).allMatches: up to n (n < 0: all) non-overlapping matches, each as
 * [start0, end0, start1, end1, …] (-1 for groups that did not participate).
 */
function allMatches(re: RE2JS, s: string, n: number, groups: boolean): number[][] {
  if (n < 0) n = s.length + 1;
  const out: number[][] = [];
  if (n === 0) return out;
  const m = re.matcher(s);
  const ng = groups ? re.groupCount() : 0;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < n && pos <= s.length) {
    if (!m.find(pos)) break;
    const start = m.start();
    const end = m.end();
    let accept = true;
    if (end === pos) {
      // An empty match: not right after the previous match; step over one code point.
      if (start === prevMatchEnd) accept = false;
      const w = cpWidth(s, pos);
      pos = w > 0 ? pos + w : s.length + 1;
    } else {
      pos = end;
    }
    prevMatchEnd = end;
    if (accept) {
      const loc = [start, end];
      for (let g = 1; g <= ng; g++) loc.push(m.start(g), m.end(g));
      out.push(loc);
    }
  }
  return out;
}

/** Go's (*Regexp).Split(s, -1). */
function regexSplit(re: RE2JS, s: string): string[] {
  if (re.pattern().length > 0 && s.length === 0) return [''];
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [a, b] of allMatches(re, s, -1, false) as [number, number][]) {
    end = a;
    if (b !== 0) parts.push(s.slice(beg, end));
    beg = b;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}

/** Go's regexp template expansion: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, s: string, loc: readonly number[], names: Record<string, number>): string {
  let out = '';
  let t = template;
  for (;;) {
    const d = t.indexOf('$');
    if (d < 0) break;
    out += t.slice(0, d);
    t = t.slice(d + 1);
    if (t.startsWith('$')) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const ref = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u.exec(t);
    if (!ref) {
      out += '$';
      continue;
    }
    t = t.slice(ref[0].length);
    const name = (ref[1] ?? ref[2])!;
    let num = -1;
    if (/^\d+$/.test(name) && !(name.length > 1 && name[0] === '0')) {
      num = name.length > 9 ? -1 : Number(name);
    }
    const g = num >= 0 ? num : Object.hasOwn(names, name) ? names[name]! : -1;
    if (g >= 0 && 2 * g + 1 < loc.length && loc[2 * g]! >= 0) out += s.slice(loc[2 * g], loc[2 * g + 1]);
  }
  return out + t;
}

/** Go's (*Regexp).ReplaceAllString. */
function replaceAll(re: RE2JS, s: string, template: string): string {
  const m = re.matcher(s);
  const ng = re.groupCount();
  const names = re.namedGroups() as Record<string, number>;
  let out = '';
  let last = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    if (!m.find(searchPos)) break;
    const a0 = m.start();
    const a1 = m.end();
    out += s.slice(last, a0);
    if (a1 > last || a0 === 0) {
      const loc = [a0, a1];
      for (let g = 1; g <= ng; g++) loc.push(m.start(g), m.end(g));
      out += expand(template, s, loc, names);
    }
    last = a1;
    const w = cpWidth(s, searchPos);
    if (searchPos + w > a1) searchPos += w;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + s.slice(last);
}

const templateCache = new LRU<string, RE2JS>(256);

/** OPA's compileRegexTemplate (forked from gorilla/mux): literal text, regexes in delimiters. */
function compileTemplate(tpl: string, open: string, close: string): RE2JS {
  const key = `${open}${close}${tpl}`;
  const hit = templateCache.get(key);
  if (hit) return hit;
  const idxs: number[] = [];
  let level = 0;
  let idx = 0;
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c === open) {
      if (++level === 1) idx = i;
    } else if (c === close) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) builtinError(`unbalanced braces in ${goQuote(tpl)}`);
    }
  }
  if (level !== 0) builtinError(`unbalanced braces in ${goQuote(tpl)}`);
  let pattern = '^';
  let end = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(end, idxs[i]);
    end = idxs[i + 1]!;
    const patt = tpl.slice(idxs[i]! + 1, end - 1);
    pattern += `${quoteMeta(raw)}(${patt})`;
    compileUncached(`^${patt}$`);
  }
  pattern += `${quoteMeta(tpl.slice(end))}$`;
  const re = compileUncached(pattern);
  templateCache.set(key, re);
  return re;
}

/** Registers the regex builtins. */
export function register(r: BuiltinRegistry): void {
  const match = (args: Value[]) => {
    const pattern = argString(args, 0);
    const value = argString(args, 1);
    return compileRegex(pattern).test(value);
  };
  r.def('regex.match', 2, 'regex', match);
  r.def('re_match', 2, 'regex', match);

  r.def('regex.is_valid', 1, 'regex', ([p]) => {
    if (typeof p !== 'string') return false;
    try {
      compileRegex(p);
      return true;
    } catch {
      return false;
    }
  });

  r.def('regex.split', 2, 'regex', (args) => {
    const pattern = argString(args, 0);
    const value = argString(args, 1);
    return regexSplit(compileRegex(pattern), value);
  });

  r.def('regex.find_n', 3, 'regex', (args) => {
    const pattern = argString(args, 0);
    const value = argString(args, 1);
    const n = intOperand(args, 2);
    return allMatches(compileRegex(pattern), value, n, false).map(([a, b]) => value.slice(a, b));
  });

  r.def('regex.find_all_string_submatch_n', 3, 'regex', (args) => {
    const pattern = argString(args, 0);
    const value = argString(args, 1);
    const n = intOperand(args, 2);
    return allMatches(compileRegex(pattern), value, n, true).map((loc) => {
      const groups: string[] = [];
      for (let g = 0; g < loc.length; g += 2)
        groups.push(loc[g]! >= 0 ? value.slice(loc[g], loc[g + 1]) : '');
      return groups;
    });
  });

  r.def('regex.replace', 3, 'regex', (args) => {
    const base = argString(args, 0);
    const pattern = argString(args, 1);
    const value = argString(args, 2);
    return replaceAll(compileRegex(pattern), base, value);
  });

  r.def('regex.template_match', 4, 'regex', (args) => {
    const pattern = argString(args, 0);
    const value = argString(args, 1);
    const start = argString(args, 2);
    const end = argString(args, 3);
    if (utf8Len(start) !== 1) {
      builtinError(`start delimiter has to be exactly one character long but is ${utf8Len(start)} long`);
    }
    if (utf8Len(end) !== 1) {
      // OPA reports the start delimiter's length here too.
      builtinError(`end delimiter has to be exactly one character long but is ${utf8Len(start)} long`);
    }
    return compileTemplate(pattern, start, end).test(value);
  });

  r.def('regex.globs_match', 2, 'regex', (args) => {
    const a = argString(args, 0);
    const b = argString(args, 1);
    return globsMatch(a, b);
  });
}
