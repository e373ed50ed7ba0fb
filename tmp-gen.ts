import { goSprintf, type GoArg } from './rego/builtins/sprintf-gofmt.ts';
import { execFileSync } from 'node:child_process';

const ints = [0n, 1n, -1n, 42n, -42n, 255n, 9007199254740993n, -9223372036854775808n, 9223372036854775807n, 65n, 0x1f600n, 0xd800n, 0x110000n];
const bigs = [123456789123456789123n, -99999999999999999999999n];
const floats = [0, 1, -1, 0.1, 3.14159, 2.5, 0.5, 1.5, -2.5, 1e21, 1e20, 123456789.0, 1e-5, 1e-7, 0.000123, 1e100, 5e-324, 1.7976931348623157e308, 0.125, 100, 1e6, 1234567.0, -0.0001234, 0.3, 2/3, 1/3, 99.995, 0.045];
const strs = ['', 'foo', 'héllo', 'a"b\\c', '\n\t\x01\x7f', '😀x', '\u00a0\u2028', '`back`', 'ab\ufeff'];
const args: GoArg[] = [
  ...ints.map((v) => ({ t: 'int64' as const, v })),
  ...bigs.map((v) => ({ t: 'big' as const, v })),
  ...floats.map((v) => ({ t: 'float64' as const, v })),
  ...strs.map((v) => ({ t: 'string' as const, v })),
];
const verbs = ['v', 'd', 's', 'q', 'x', 'X', 'o', 'O', 'b', 'c', 'U', 'e', 'E', 'f', 'F', 'g', 'G', 't', 'T', 'w', 'z', 'é'];
const flagsets = ['', '+', '-', '#', '0', ' ', '+#', '-0', '08', '-8', '8', '.2', '8.3', '.0', '#.3', '+.10', '012.4', '-12.4', '#08', ' 6', '.30', '+#v', '#v'];
const cases: { f: string; a: GoArg[] }[] = [];
for (const a of args) for (const v of verbs) for (const fl of flagsets) cases.push({ f: `%${fl}${v}`, a: [a] });
const extra = ['%', '%d %d', '%[2]d %[1]d', '%[3]d', '%[0]d', '%*d', '%-*d', '%.*f', '%*.*f', '%!', 'x%5%y', '%d', '%[1]*d', '%.', '%[2]*[1]d', '%[x]d', '%[1', '%v %v %v', '%3c|%-4q|%U', '%#U %#q %+q', '% x', '% #X', '%#x'];
const mixes: GoArg[][] = [[], [{ t: 'int64', v: 5n }], [{ t: 'int64', v: 5n }, { t: 'string', v: 'x' }], [{ t: 'int64', v: 8n }, { t: 'float64', v: 3.14159 }], [{ t: 'int64', v: 8n }, { t: 'int64', v: 2n }, { t: 'float64', v: 3.14159 }], [{ t: 'string', v: 'a' }, { t: 'big', v: 123456789123456789123n }, { t: 'float64', v: 0.5 }], [{ t: 'int64', v: 10000000n }, { t: 'int64', v: 1n }]];
for (const f of extra) for (const a of mixes) cases.push({ f, a });
const lines = cases.map((c) => JSON.stringify({ op: 'sprintf', f: c.f, args: c.a.map((x) => ({ t: x.t, v: x.t === 'float64' ? JSON.stringify(x.v) : String(x.v) })) }));
const out = execFileSync('/tmp/gocheck/gocheck', { input: lines.join('\n') + '\n', maxBuffer: 1 << 28 }).toString().trim().split('\n');
let bad = 0;
cases.forEach((c, i) => {
  const want = JSON.parse(out[i]!);
  let got: string;
  try { got = goSprintf(c.f, c.a); } catch (e) { got = 'THROW ' + e; }
  if (got !== want) { bad++; if (bad < 60) console.log(JSON.stringify(c.f), c.a.map((x) => `${x.t}:${x.v}`).join(','), 'got', JSON.stringify(got), 'want', JSON.stringify(want)); }
});
console.log('cases', cases.length, 'bad', bad);
