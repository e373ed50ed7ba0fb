/**
 * `strings.render_template`: a subset of Go's text/template, run as OPA runs it (variables
 * decoded from JSON with numbers kept as their text, Go's default `missingkey` option, and every
 * `<no value>` in the output replaced by `<undefined>`).
 *
 * Supported: text; `{{/* comments *\/}}`; trim markers `{{- ` and ` -}}`; operands `.`,
 * `.a.b`, `$`, `$x`, `$x.a`, string/number/bool/nil literals; `{{$x := …}}` / `{{$x = …}}`;
 * `if` / `else if` / `else` / `end`; `range` (arrays, sets, objects in key order; `$v :=` and
 * `$k, $v :=`; `else`); `with` / `else`; and the functions `not`, `and`, `or`, `eq`, `ne`,
 * `len`, `index` called with operand arguments.
 *
 * Not supported (a builtin error naming the construct): pipelines with `|`, parenthesised
 * sub-pipelines, `printf`/`print`/`println`/`html`/`js`/`urlquery`/`slice`/`call`, `lt`/`le`/
 * `gt`/`ge`, `define`/`template`/`block`, `break`/`continue`, method calls.
 *
 * Values print as Go's fmt prints the decoded JSON: numbers as their text, `null` and a missing
 * key as `<no value>` (so `<undefined>` in the result), arrays as `[a b]`, objects as `map[k:v]`.
 * A missing key is Go's invalid value: false in conditions, empty in `range`, and a field of it is
 * missing too (no error).
 */
import { BuiltinError } from '../errors.ts';
import {
  objSortedEntries,
  type PlainObject,
  type RegoObject,
  RegoSet,
  formatNumber,
  stringify,
  type Value,
} from '../value.ts';

// Go values as json.Unmarshal (with UseNumber) produces them.
type GoNum = { readonly num: string };
type GoVal = null | boolean | string | GoNum | GoVal[] | Map<string, GoVal> | GoInt | Missing;
/** An int from a template literal or a range index. */
type GoInt = { readonly int: number };
/** Go's invalid reflect.Value: what a missing map key evaluates to under `missingkey=default`. */
type Missing = { readonly missing: true };
const MISSING: Missing = { missing: true };

function toGo(v: Value): GoVal {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
    case 'bigint':
      return { num: formatNumber(v) };
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(toGo);
  if (v instanceof RegoSet) return v.sorted().map(toGo);
  const m = new Map<string, GoVal>();
  for (const [k, x] of objSortedEntries(v as PlainObject | RegoObject)) {
    m.set(typeof k === 'string' ? k : stringify(k), toGo(x));
  }
  return m;
}

function isNum(v: GoVal): v is GoNum {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'num' in v;
}
function isInt(v: GoVal): v is GoInt {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'int' in v;
}

function goType(v: GoVal): string {
  if (v === null || v === MISSING) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (v instanceof Map) return 'map[string]interface {}';
  if (isNum(v)) return 'json.Number';
  return 'int';
}

/** fmt.Sprint of a value (top level: nil prints `<no value>`). */
function printTop(v: GoVal): string {
  return v === null || v === MISSING ? '<no value>' : printVal(v);
}

function printVal(v: GoVal): string {
  if (v === null) return '<nil>';
  if (v === MISSING) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(printVal).join(' ')}]`;
  if (v instanceof Map) return `map[${[...v].map(([k, x]) => `${k}:${printVal(x)}`).join(' ')}]`;
  if (isNum(v)) return v.num;
  return String((v as GoInt).int);
}

function truth(v: GoVal): boolean {
  if (v === null || v === MISSING) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (isNum(v)) return v.num.length > 0;
  return (v as GoInt).int !== 0;
}

// ---------------------------------------------------------------------------------------------
// Parse tree

type Operand =
  | { k: 'dot'; pos: number; text: string }
  | { k: 'field'; pos: number; text: string; base: 'dot' | string; path: string[] }
  | { k: 'lit'; pos: number; text: string; v: GoVal };

interface Command {
  pos: number;
  text: string;
  fn?: string;
  args: Operand[];
}

interface Pipe {
  decl: string[];
  assign: boolean;
  cmd: Command;
}

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; pipe: Pipe }
  | { k: 'if' | 'with'; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { k: 'range'; pipe: Pipe; list: Node[]; elseList: Node[] | undefined };

const FUNCS = new Set(['not', 'and', 'or', 'eq', 'ne', 'len', 'index']);
const GO_FUNCS = new Set([
  'print',
  'printf',
  'println',
  'html',
  'js',
  'urlquery',
  'slice',
  'call',
  'lt',
  'le',
  'gt',
  'ge',
]);

class TemplateError extends Error {}

function utf8Len(s: string): number {
  return new TextEncoder().encode(s).length;
}

class Parser {
  readonly src: string;
  i = 0;
  /** Text left over after a ` -}}` trims following space. */
  trimNext = false;

  constructor(src: string) {
    this.src = src;
  }

  line(pos: number): number {
    let n = 1;
    for (let j = 0; j < pos && j < this.src.length; j++) if (this.src.charCodeAt(j) === 10) n++;
    return n;
  }

  fail(msg: string, pos: number): never {
    throw new TemplateError(`template: template:${this.line(pos)}: ${msg}`);
  }

  /** Parses nodes until one of the stop keywords; returns the nodes and the stop found. */
  parseList(stops: readonly string[]): {
    nodes: Node[];
    stop: string;
    stopPipe?: Pipe | undefined;
    stopPos: number;
  } {
    const nodes: Node[] = [];
    for (;;) {
      const open = this.src.indexOf('{{', this.i);
      let text = open < 0 ? this.src.slice(this.i) : this.src.slice(this.i, open);
      if (this.trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      this.trimNext = false;
      if (open < 0) {
        if (text) nodes.push({ k: 'text', s: text });
        if (stops.length > 0) this.fail('unexpected EOF', this.src.length);
        return { nodes, stop: 'EOF', stopPos: this.src.length };
      }
      let j = open + 2;
      const c = this.src[j + 1];
      if (this.src[j] === '-' && (c === ' ' || c === '\t' || c === '\r' || c === '\n')) {
        text = text.replace(/[ \t\r\n]+$/, '');
        j += 1;
      }
      if (text) nodes.push({ k: 'text', s: text });
      // Find the end of the action, skipping quoted strings.
      const { body, bodyStart, end, trimAfter } = this.actionBounds(open, j);
      this.i = end;
      this.trimNext = trimAfter;
      const t = body.trim();
      if (t.startsWith('/*')) {
        if (!t.endsWith('*/')) this.fail('unclosed comment', open);
        continue;
      }
      const toks = tokenize(body, bodyStart, this);
      if (toks.length === 0) this.fail('missing value for command', open);
      const head = toks[0]!;
      if (head.t === 'ident') {
        switch (head.v) {
          case 'end':
          case 'else': {
            if (!stops.includes(head.v)) this.fail(`unexpected {{${head.v}}}`, open);
            let stopPipe: Pipe | undefined;
            if (head.v === 'else' && toks.length > 1) {
              const kw = toks[1]!;
              if (kw.t !== 'ident' || (kw.v !== 'if' && kw.v !== 'with'))
                this.fail('unexpected token in else', open);
              return {
                nodes,
                stop: `else ${kw.v}`,
                stopPipe: this.parsePipe(toks.slice(2), open, kw.v),
                stopPos: open,
              };
            }
            if (toks.length > 1) this.fail(`unexpected token in {{${head.v}}}`, open);
            return { nodes, stop: head.v, stopPipe, stopPos: open };
          }
          case 'if':
          case 'with':
          case 'range':
            nodes.push(this.parseControl(head.v, this.parsePipe(toks.slice(1), open, head.v), open));
            continue;
          case 'define':
          case 'template':
          case 'block':
          case 'break':
          case 'continue':
            throw new TemplateError(`strings.render_template: {{${head.v}}} is not supported`);
        }
      }
      nodes.push({ k: 'action', pipe: this.parsePipe(toks, open, 'command') });
    }
  }

  actionBounds(
    open: number,
    j: number,
  ): { body: string; bodyStart: number; end: number; trimAfter: boolean } {
    let k = j;
    while (k < this.src.length) {
      const ch = this.src[k];
      if (ch === '"' || ch === '`' || ch === "'") {
        const q = ch;
        k++;
        while (k < this.src.length && this.src[k] !== q) {
          if (this.src[k] === '\\' && q !== '`') k++;
          k++;
        }
        k++;
        continue;
      }
      if (this.src.startsWith('}}', k)) {
        const trim = k >= 2 && this.src[k - 1] === '-' && /[ \t\r\n]/.test(this.src[k - 2] ?? '');
        return { body: this.src.slice(j, trim ? k - 1 : k), bodyStart: j, end: k + 2, trimAfter: trim };
      }
      k++;
    }
    return this.fail('unclosed action', open);
  }

  parseControl(kind: 'if' | 'with' | 'range', pipe: Pipe, pos: number): Node {
    const body = this.parseList(['end', 'else']);
    let elseList: Node[] | undefined;
    if (body.stop === 'else') {
      elseList = this.parseList(['end']).nodes;
    } else if (body.stop === 'else if' || body.stop === 'else with') {
      if (kind === 'range' || body.stop.slice(5) !== kind)
        this.fail(`unexpected {{${body.stop}}}`, body.stopPos);
      // `{{else if x}}` is `{{else}}{{if x}}…{{end}}` sharing the outer {{end}}.
      elseList = [this.parseControl(kind, body.stopPipe!, body.stopPos)];
    }
    void pos;
    return kind === 'range'
      ? { k: 'range', pipe, list: body.nodes, elseList }
      : { k: kind, pipe, list: body.nodes, elseList };
  }

  parsePipe(toks: Tok[], pos: number, ctx: string): Pipe {
    let decl: string[] = [];
    let assign = false;
    // Declarations: $x := / $x = / $i, $v :=
    const declIdx = toks.findIndex((t) => t.t === 'op' && (t.v === ':=' || t.v === '='));
    if (declIdx >= 0) {
      const names = toks.slice(0, declIdx).filter((t) => !(t.t === 'op' && t.v === ','));
      if (names.length === 0 || names.length > 2 || names.some((t) => t.t !== 'var' || t.path.length > 0)) {
        this.fail('bad variable declaration', pos);
      }
      if (names.length === 2 && ctx !== 'range') this.fail('too many declarations in command', pos);
      decl = names.map((t) => (t as { name: string }).name);
      assign = (toks[declIdx] as { v: string }).v === '=';
      toks = toks.slice(declIdx + 1);
    }
    if (toks.length === 0) this.fail(`missing value for ${ctx}`, pos);
    for (const t of toks) {
      if (t.t === 'op' && (t.v === '|' || t.v === '(' || t.v === ')')) {
        throw new TemplateError(`strings.render_template: '${t.v}' in actions is not supported`);
      }
    }
    const head = toks[0]!;
    if (head.t === 'ident' && !['true', 'false', 'nil'].includes(head.v)) {
      if (!FUNCS.has(head.v)) {
        if (GO_FUNCS.has(head.v)) {
          throw new TemplateError(`strings.render_template: function "${head.v}" is not supported`);
        }
        this.fail(`function "${head.v}" not defined`, pos);
      }
      return {
        decl,
        assign,
        cmd: { pos: head.pos, text: head.text, fn: head.v, args: toks.slice(1).map((t) => this.operand(t)) },
      };
    }
    if (toks.length > 1) {
      const t = toks[0]!;
      if (t.t === 'var' || t.t === 'field' || t.t === 'dot')
        this.fail(`can't give argument to non-function ${t.text}`, pos);
      this.fail(`unexpected ${toks[1]!.text} in operand`, pos);
    }
    if (head.t === 'ident' && head.v === 'nil') this.fail('nil is not a command', pos);
    return { decl, assign, cmd: { pos: head.pos, text: head.text, args: [this.operand(head)] } };
  }

  operand(t: Tok): Operand {
    switch (t.t) {
      case 'dot':
        return { k: 'dot', pos: t.pos, text: '.' };
      case 'field':
        return { k: 'field', pos: t.pos, text: t.text, base: 'dot', path: t.path };
      case 'var':
        return { k: 'field', pos: t.pos, text: t.text, base: t.name, path: t.path };
      case 'lit':
        return { k: 'lit', pos: t.pos, text: t.text, v: t.v };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', pos: t.pos, text: t.v, v: t.v === 'true' };
        if (t.v === 'nil') return { k: 'lit', pos: t.pos, text: 'nil', v: null };
        throw new TemplateError(`strings.render_template: function "${t.v}" as an argument is not supported`);
      default:
        return this.fail(`unexpected "${t.text}" in operand`, t.pos);
    }
  }
}

type Tok =
  | { t: 'dot'; pos: number; text: string }
  | { t: 'field'; pos: number; text: string; path: string[] }
  | { t: 'var'; pos: number; text: string; name: string; path: string[] }
  | { t: 'lit'; pos: number; text: string; v: GoVal }
  | { t: 'ident'; pos: number; text: string; v: string }
  | { t: 'op'; pos: number; text: string; v: string };

const IDENT = /[\p{L}_][\p{L}\p{N}_]*/uy;
const FIELDS = /(?:\.[\p{L}_][\p{L}\p{N}_]*)+/uy;
const NUMBER = /[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/y;

function tokenize(body: string, offset: number, p: Parser): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fields = (at: number): string[] => {
    FIELDS.lastIndex = at;
    const m = FIELDS.exec(body);
    if (!m) return [];
    i = at + m[0].length;
    return m[0].slice(1).split('.');
  };
  while (i < body.length) {
    const ch = body[i]!;
    const pos = offset + i;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '.') {
      const path = fields(i);
      if (path.length > 0) toks.push({ t: 'field', pos, text: body.slice(pos - offset, i), path });
      else if (/\d/.test(body[i + 1] ?? '')) {
        NUMBER.lastIndex = i;
        const m = NUMBER.exec(body)!;
        i += m[0].length;
        toks.push({ t: 'lit', pos, text: m[0], v: numLit(m[0]) });
      } else {
        i++;
        toks.push({ t: 'dot', pos, text: '.' });
      }
      continue;
    }
    if (ch === '$') {
      IDENT.lastIndex = i + 1;
      const m = IDENT.exec(body);
      const name = m ? `$${m[0]}` : '$';
      i += name.length;
      const path = fields(i);
      toks.push({ t: 'var', pos, text: body.slice(pos - offset, i), name, path });
      continue;
    }
    if (ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < body.length && body[j] !== ch) j += body[j] === '\\' && ch === '"' ? 2 : 1;
      const raw = body.slice(i, j + 1);
      i = j + 1;
      let v: string;
      if (ch === '`') v = raw.slice(1, -1);
      else {
        try {
          v = JSON.parse(raw) as string;
        } catch {
          return p.fail(`bad string syntax: ${raw}`, pos);
        }
      }
      toks.push({ t: 'lit', pos, text: raw, v });
      continue;
    }
    if (/[\d+-]/.test(ch)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(body);
      if (m && m[0].length > 0 && /\d/.test(m[0])) {
        i += m[0].length;
        toks.push({ t: 'lit', pos, text: m[0], v: numLit(m[0]) });
        continue;
      }
    }
    if (body.startsWith(':=', i)) {
      toks.push({ t: 'op', pos, text: ':=', v: ':=' });
      i += 2;
      continue;
    }
    if ('=,|()'.includes(ch)) {
      toks.push({ t: 'op', pos, text: ch, v: ch });
      i++;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(body);
    if (m) {
      i += m[0].length;
      toks.push({ t: 'ident', pos, text: m[0], v: m[0] });
      continue;
    }
    return p.fail(`unexpected "${ch}" in command`, pos);
  }
  return toks;
}

function numLit(text: string): GoVal {
  const clean = text.replace(/_/g, '');
  const n = Number(clean);
  if (Number.isInteger(n) && !/[.eE]/.test(clean.replace(/^[+-]?0[xX]/, ''))) return { int: n };
  return { num: clean };
}

// ---------------------------------------------------------------------------------------------
// Execution

class Exec {
  readonly src: string;
  out = '';
  vars: Array<[string, GoVal]> = [];

  constructor(src: string) {
    this.src = src;
  }

  fail(node: { pos: number; text: string }, msg: string): never {
    const before = this.src.slice(0, node.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = utf8Len(before.slice(nl + 1));
    throw new TemplateError(
      `template: template:${line}:${col}: executing "template" at <${node.text}>: ${msg}`,
    );
  }

  lookupVar(name: string, node: { pos: number; text: string }): GoVal {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) return this.vars[i]![1];
    return this.fail(node, `undefined variable: ${name}`);
  }

  setVar(name: string, v: GoVal, node: { pos: number; text: string }): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]![0] === name) {
        this.vars[i]![1] = v;
        return;
      }
    }
    this.fail(node, `undefined variable: ${name}`);
  }

  operand(o: Operand, dot: GoVal): GoVal {
    switch (o.k) {
      case 'dot':
        return dot;
      case 'lit':
        return o.v;
      case 'field': {
        let v = o.base === 'dot' ? dot : this.lookupVar(o.base, o);
        for (const name of o.path) {
          if (v instanceof Map) {
            v = v.has(name) ? (v.get(name) as GoVal) : MISSING;
          } else if (v === MISSING) {
            // A field of an invalid value is invalid too (Go: no error unless missingkey=error).
          } else if (v === null) {
            this.fail(o, `nil pointer evaluating interface {}.${name}`);
          } else {
            this.fail(o, `can't evaluate field ${name} in type ${goType(v)}`);
          }
        }
        return v;
      }
    }
  }

  command(c: Command, dot: GoVal): GoVal {
    if (!c.fn) return this.operand(c.args[0]!, dot);
    const args = c.args;
    const node = { pos: c.pos, text: c.text };
    const want = (n: number) => {
      if (args.length !== n)
        this.fail(
          node,
          `error calling ${c.fn}: wrong number of args for ${c.fn}: want ${n} got ${args.length}`,
        );
    };
    switch (c.fn) {
      case 'not':
        want(1);
        return !truth(this.operand(args[0]!, dot));
      case 'and':
      case 'or': {
        if (args.length === 0) this.fail(node, `wrong number of args for ${c.fn}: want at least 1 got 0`);
        let v: GoVal = null;
        for (const a of args) {
          v = this.operand(a, dot);
          if (truth(v) === (c.fn === 'or')) return v;
        }
        return v;
      }
      case 'eq':
      case 'ne': {
        if (args.length < 2 && c.fn === 'eq')
          this.fail(node, 'error calling eq: missing argument for comparison');
        if (c.fn === 'ne') want(2);
        const a = this.operand(args[0]!, dot);
        let eq = false;
        for (const b of args.slice(1)) {
          if (this.basicEq(a, this.operand(b, dot), node)) {
            eq = true;
            break;
          }
        }
        return c.fn === 'eq' ? eq : !eq;
      }
      case 'len': {
        want(1);
        const v = this.operand(args[0]!, dot);
        if (typeof v === 'string') return { int: utf8Len(v) };
        if (isNum(v)) return { int: v.num.length };
        if (Array.isArray(v)) return { int: v.length };
        if (v instanceof Map) return { int: v.size };
        if (v === MISSING)
          this.fail(node, 'error calling len: reflect: call of reflect.Value.Type on zero Value');
        return this.fail(
          node,
          `error calling len: len of ${v === null ? 'nil pointer' : `type ${goType(v)}`}`,
        );
      }
      case 'index': {
        if (args.length === 0) this.fail(node, 'wrong number of args for index: want at least 1 got 0');
        let v = this.operand(args[0]!, dot);
        for (const a of args.slice(1)) {
          const k = this.operand(a, dot);
          if (v instanceof Map) {
            if (typeof k !== 'string')
              this.fail(node, `error calling index: value has type ${goType(k)}; should be string`);
            v = v.has(k) ? (v.get(k) as GoVal) : null;
          } else if (Array.isArray(v)) {
            if (!isInt(k))
              this.fail(node, `error calling index: cannot index slice/array with type ${goType(k)}`);
            if (k.int < 0 || k.int >= v.length)
              this.fail(node, `error calling index: index out of range: ${k.int}`);
            v = v[k.int] as GoVal;
          } else if (v === null || v === MISSING) {
            this.fail(node, 'error calling index: index of untyped nil');
          } else {
            this.fail(node, `error calling index: can't index item of type ${goType(v)}`);
          }
        }
        return v;
      }
    }
    return this.fail(node, `function "${c.fn}" not defined`);
  }

  basicEq(a: GoVal, b: GoVal, node: { pos: number; text: string }): boolean {
    const kind = (v: GoVal): string => {
      if (typeof v === 'string' || isNum(v)) return 'string';
      if (typeof v === 'boolean') return 'bool';
      if (isInt(v)) return 'int';
      if (v === null || v === MISSING) return 'nil'; // both are Go's invalid value here
      return 'invalid';
    };
    const ka = kind(a);
    const kb = kind(b);
    if (ka === 'invalid' || kb === 'invalid')
      this.fail(node, 'error calling eq: invalid type for comparison');
    if (ka === 'nil' || kb === 'nil') return ka === kb;
    if (ka !== kb) this.fail(node, 'error calling eq: incompatible types for comparison');
    if (ka === 'string') return (isNum(a) ? a.num : a) === (isNum(b) ? b.num : b);
    if (ka === 'int') return (a as GoInt).int === (b as GoInt).int;
    return a === b;
  }

  pipe(p: Pipe, dot: GoVal): GoVal {
    const v = this.command(p.cmd, dot);
    if (p.decl.length === 1 && p.decl[0]) {
      if (p.assign) this.setVar(p.decl[0], v, p.cmd);
      else this.vars.push([p.decl[0], v]);
    }
    return v;
  }

  run(nodes: Node[], dot: GoVal): void {
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          this.out += n.s;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (n.pipe.decl.length === 0) this.out += printTop(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.pipe(n.pipe, dot);
          if (truth(v)) this.run(n.list, n.k === 'with' ? v : dot);
          else if (n.elseList) this.run(n.elseList, dot);
          this.vars.length = mark;
          break;
        }
        case 'range': {
          const mark = this.vars.length;
          const v = this.command(n.pipe.cmd, dot);
          let items: Array<[GoVal, GoVal]>;
          if (Array.isArray(v)) items = v.map((x, i) => [{ int: i }, x]);
          else if (v instanceof Map) items = [...v].map(([k, x]) => [k, x]);
          else if (v === null || v === MISSING) items = [];
          else if (isInt(v))
            items = Array.from({ length: Math.max(0, v.int) }, (_, i) => [{ int: i }, { int: i }]);
          else {
            this.fail(n.pipe.cmd, `range can't iterate over ${printVal(v)}`);
            return;
          }
          if (items.length === 0) {
            if (n.elseList) this.run(n.elseList, dot);
            break;
          }
          for (const [k, x] of items) {
            this.vars.length = mark;
            const d = n.pipe.decl;
            if (d.length === 1) this.vars.push([d[0]!, x]);
            else if (d.length === 2) {
              this.vars.push([d[0]!, k]);
              this.vars.push([d[1]!, x]);
            }
            this.run(n.list, x);
          }
          this.vars.length = mark;
          break;
        }
      }
    }
  }
}

/** Renders a template with the given variables; errors are builtin errors. */
export function renderTemplate(tpl: string, vars: PlainObject | RegoObject): string {
  try {
    const nodes = new Parser(tpl).parseList([]).nodes;
    const data = toGo(vars);
    const ex = new Exec(tpl);
    ex.vars.push(['$', data]);
    ex.run(nodes, data);
    return ex.out.replaceAll('<no value>', '<undefined>');
  } catch (e) {
    if (e instanceof TemplateError) throw new BuiltinError('eval_builtin_error', e.message);
    throw e;
  }
}
