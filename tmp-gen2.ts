import { createDefaultRegistry } from './rego/builtins/index.ts';
import { execFileSync } from 'node:child_process';
const reg = createDefaultRegistry();
const ctx = { nowNs: 0n, cache: new Map(), print() {} };
const call = (name: string, ...args: any[]) => { try { return reg.get(name)!.fn(args, ctx); } catch (e: any) { return 'ERR ' + e.message; } };
type C = { op: string; s: string[]; n?: number; mine: () => unknown; cmp?: (g: any, w: any) => boolean };
const cases: C[] = [];
// case mapping over all code points (chunks)
for (let start = 0; start < 0x20000; start += 0x400) {
  let s = '';
  for (let c = start; c < start + 0x400; c++) { if (c >= 0xd800 && c <= 0xdfff) continue; s += String.fromCodePoint(c); }
  cases.push({ op: 'lower', s: [s], mine: () => call('lower', s) });
  cases.push({ op: 'upper', s: [s], mine: () => call('upper', s) });
}
for (let c = 0; c < 0x3100; c++) { const ch = String.fromCodePoint(c); if (c>=0xd800&&c<=0xdfff) continue; const t = `${ch}x${ch}`; cases.push({ op: 'trimspace', s: [t], mine: () => call('trim_space', t) }); }
// replacer
const reps: string[][] = [['abcabc', 'a', 'X'], ['abcabc', '', '-'], ['', '', '-'], ['hello world', 'o', '0', 'l', '1'], ['aaaa', 'a', 'b', 'aa', 'c'], ['aaaa', 'aa', 'c', 'a', 'b'], ['abc', '', '-', 'b', 'B'], ['abcb', 'b', 'B', '', '-'], ['xyz', 'x', '', 'y', ''], ['ababab', 'aba', 'X'], ['foo.bar', '.', '..']];
for (const r of reps) {
  cases.push({ op: 'replacer', s: r, mine: () => { if (r.length === 3) return call('replace', r[0], r[1], r[2]); const o: any = Object.create(null); for (let i = 1; i < r.length; i += 2) if (!(r[i]! in o)) o[r[i]!] = r[i + 1]; return call('strings.replace_n', o, r[0]); } });
}
// regex
const res: [string, string][] = [['a*', 'baaab'], ['', 'abc'], ['x*', 'a😀b'], ['(a)|(b)', 'xaybz'], ['(?P<first>\\w+)\\s(?P<last>\\w+)', 'John Smith'], ['\\b', 'ab cd'], ['^', 'abc'], ['$', 'abc'], ['a|b', ''], ['[', 'x'], ['(a*)*', 'aaa'], ['.', '日本語'], ['(\\w)(\\w)?', 'abc d'], ['a+?', 'aaa'], ['(?i)ABC', 'xabcABC'], ['\\d+', '12 ab 345 6']];
for (const [p, s] of res) {
  for (const n of [-1, 0, 1, 2]) cases.push({ op: 'findall', s: [p, s], n, mine: () => call('regex.find_all_string_submatch_n', p, s, n), cmp: (g, w) => JSON.stringify(g) === JSON.stringify(w ?? []) || (typeof w === 'string' && g === w) });
  for (const t of ['X', '$1', '${1}x', '$1x', '$$', '$first-$last', '${last}', '$', '$0', '$10', '${', '$9']) cases.push({ op: 'replace', s: [p, s, t], mine: () => call('regex.replace', s, p, t) });
  cases.push({ op: 'split', s: [p, s], mine: () => call('regex.split', p, s), cmp: (g, w) => JSON.stringify(g) === JSON.stringify(w ?? []) || (typeof w === 'string' && g === w) });
  cases.push({ op: 'match', s: [p, s], mine: () => call('regex.match', p, s) });
}
for (const [s, d, n] of [['a.b.c', '.', 2], ['abc', '', 2], ['', '', 2], ['a😀b', '', 2], ['aXXbXXc', 'XX', -1], ['abc', '', -1], ['', 'x', 3]] as [string, string, number][]) {
  cases.push({ op: 'splitn', s: [s, d], n, mine: () => n === -1 ? call('split', s, d) : call('strings.split_n', s, d, n), cmp: (g, w) => JSON.stringify(g) === JSON.stringify(w ?? []) });
}
const lines = cases.map((c) => JSON.stringify({ op: c.op, s: c.s, n: c.n ?? 0 }));
const out = execFileSync('/tmp/gocheck/gocheck', { input: lines.join('\n') + '\n', maxBuffer: 1 << 28 }).toString().trim().split('\n');
let bad = 0;
cases.forEach((c, i) => {
  let want = JSON.parse(out[i]!);
  const got = c.mine();
  if (typeof want === 'string' && want.startsWith('ERR ')) want = want; 
  const ok = c.cmp ? c.cmp(got, want) : (got === want || (typeof got === 'string' && typeof want === 'string' && want.startsWith('ERR ') && got === want));
  if (!ok) { bad++; if (bad < 30) { const g = JSON.stringify(got), w = JSON.stringify(want); if (c.op==='lower'||c.op==='upper') { const ga=Array.from(got as string), wa=Array.from(want as string); for (let k=0;k<wa.length;k++) if (ga[k]!==wa[k]) { console.log(c.op, 'cp', wa[k]?.codePointAt(0)?.toString(16), 'got', ga[k]?.codePointAt(0)?.toString(16), Array.from(c.s[0]!)[k]?.codePointAt(0)?.toString(16)); break; } } else console.log(c.op, JSON.stringify(c.s), c.n, 'got', g.slice(0,200), 'want', w.slice(0,200)); } }
});
console.log('cases', cases.length, 'bad', bad);
