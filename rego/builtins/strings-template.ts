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
 *
 * This module executes the parse tree; strings-template-parse.ts builds it, and
 * strings-template-values.ts converts, prints and tests the Go values.
 */
import { BuiltinError } from '../errors.ts';
import type { PlainObject, RegoObject } from '../value.ts';
import {
  type Command,
  type Node,
  type Operand,
  type Pipe,
  Parser,
  TemplateError,
} from './strings-template-parse.ts';
import {
  type GoInt,
  type GoVal,
  goType,
  isInt,
  isNum,
  MISSING,
  printTop,
  printVal,
  toGo,
  truth,
} from './strings-template-values.ts';

function utf8Len(s: string): number {
  return new TextEncoder().encode(s).length;
}

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
