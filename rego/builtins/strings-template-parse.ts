/**
 * The parser of strings.render_template (strings-template.ts): the subset of Go's text/template
 * syntax described there, with Go's messages (`template: :1: …`) for what it cannot parse and a
 * builtin error naming each construct that is left out.
 */
import type { GoVal } from './strings-template-values.ts';

export type Operand =
  | { k: 'dot'; pos: number; text: string }
  | { k: 'field'; pos: number; text: string; base: 'dot' | string; path: string[] }
  | { k: 'lit'; pos: number; text: string; v: GoVal };

export interface Command {
  pos: number;
  text: string;
  fn?: string;
  args: Operand[];
}

export interface Pipe {
  decl: string[];
  assign: boolean;
  cmd: Command;
}

export type Node =
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

export class TemplateError extends Error {}

export class Parser {
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
