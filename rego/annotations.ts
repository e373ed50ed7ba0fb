/**
 * METADATA annotations, as OPA's parser reads them (`v1/ast/annotations.go`, `parser.go`).
 *
 * A comment whose text starts with `METADATA` opens a block; the comments on the following
 * lines that start at column 1 are its YAML (each with one leading space removed). The block
 * attaches to the first statement (package, import or rule) below its `# METADATA` line; its
 * scope defaults to `package` there, to `rule` on a rule (`document` with `entrypoint: true`).
 * The YAML is decoded as OPA decodes it (sigs.k8s.io/yaml, then `encoding/json` into its
 * annotation struct: unknown keys ignored, key names matched case-insensitively), and kept as
 * the object `rego.metadata.rule()` returns.
 */
import type { Annotations, AnnotationScope } from './ast.ts';
import { parseYAML } from './builtins/encoding-yaml.ts';
import { RegoError, type Span } from './errors.ts';
import type { Comment } from './lexer.ts';
import { emptyObject, isPlainObject, type PlainObject, type Value } from './value.ts';

/** A statement annotations can attach to. */
export interface Statement {
  readonly kind: 'package' | 'import' | 'rule';
  readonly line: number;
}

const SCOPES: ReadonlySet<string> = new Set(['rule', 'document', 'package', 'subpackages']);

/**
 * Reads the METADATA blocks among `comments` and attaches each to its statement: the result
 * maps a statement's index in `stmts` to its blocks, in source order.
 *
 * @throws {RegoError} `rego_parse_error` for invalid YAML or fields, or a scope that does not
 * fit the statement (OPA's wording).
 */
export function attachAnnotations(
  comments: readonly Comment[],
  stmts: readonly Statement[],
): Map<number, Annotations[]> {
  const out = new Map<number, Annotations[]>();
  for (const block of metadataBlocks(comments)) {
    const raw = parseBlock(block);
    const at = stmts.findIndex((s) => s.line > block.start.span.line);
    const stmt = at < 0 ? undefined : stmts[at];
    const entrypoint = raw.entrypoint === true;
    const scope =
      raw.scope ??
      (stmt?.kind === 'rule'
        ? entrypoint
          ? 'document'
          : 'rule'
        : stmt?.kind === 'package'
          ? 'package'
          : stmt?.kind === 'import'
            ? 'import'
            : '');
    const span = block.start.span;
    if (!SCOPES.has(scope)) {
      throw parseError(
        `invalid annotation scope '${scope}'. Use one of 'rule', 'document', 'package', or 'subpackages'`,
        span,
      );
    }
    const want = scope === 'rule' || scope === 'document' ? 'rule' : 'package';
    if (stmt?.kind !== want) {
      const have = stmt ? ` (have ${stmt.kind})` : '';
      throw parseError(`annotation scope '${scope}' must be applied to ${want}${have}`, span);
    }
    if (entrypoint && scope !== 'document' && scope !== 'package')
      throw parseError(`annotation entrypoint applied to non-document or package scope '${scope}'`, span);
    const value = emptyObject();
    value.scope = scope;
    Object.assign(value, raw.fields);
    const list = out.get(at) ?? [];
    list.push({ scope: scope as AnnotationScope, value, span });
    out.set(at, list);
  }
  return out;
}

interface Block {
  readonly start: Comment;
  readonly lines: Comment[];
}

/** OPA's grouping: a block continues on the next line while the comment starts at column 1. */
function metadataBlocks(comments: readonly Comment[]): Block[] {
  const blocks: Block[] = [];
  let curr: Block | undefined;
  for (let i = 0; i < comments.length; i++) {
    const c = comments[i]!;
    if (curr) {
      const prev = comments[i - 1]!;
      if (c.span.line === prev.span.line + 1 && c.span.col === 1) {
        curr.lines.push(c);
        continue;
      }
      curr = undefined;
    }
    if (c.text.trim().startsWith('METADATA')) {
      curr = { start: c, lines: [] };
      blocks.push(curr);
    }
  }
  return blocks;
}

interface RawAnnotation {
  scope?: string;
  entrypoint?: boolean;
  /** The other fields, already in the shape of OPA's annotation object. */
  fields: PlainObject;
}

function parseBlock(block: Block): RawAnnotation {
  const text = block.lines.map((c) => `${c.text.startsWith(' ') ? c.text.slice(1) : c.text}\n`).join('');
  const span = block.start.span;
  if (text.trim() === '') throw parseError('expected METADATA block, found whitespace', span);
  let doc: Value;
  try {
    doc = parseYAML(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const line = /^yaml: line (\d+):/.exec(msg);
    const at = line ? (block.lines[Number(line[1]) - 1] ?? block.lines[block.lines.length - 1]) : undefined;
    throw parseError(msg, at?.span ?? span);
  }
  const raw: RawAnnotation = { fields: emptyObject() };
  if (doc === null) return raw;
  if (!isPlainObject(doc))
    throw parseError(`json: cannot unmarshal ${goType(doc)} into Go value of type ast.rawAnnotation`, span);

  // encoding/json matches keys case-insensitively; a later key overwrites an earlier one.
  const byField = new Map<string, Value>();
  for (const [k, v] of Object.entries(doc)) byField.set(k.toLowerCase(), v);
  const mismatch = (field: string, v: Value, want: string): RegoError =>
    parseError(
      `json: cannot unmarshal ${goType(v)} into Go struct field rawAnnotation.${field} of type ${want}`,
      span,
    );
  const str = (field: string): string | undefined => {
    const v = byField.get(field);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw mismatch(field, v, 'string');
    return v;
  };
  const list = (field: string, elem?: (v: Value) => void): Value[] => {
    const v = byField.get(field);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v))
      throw mismatch(field, v, field === 'schemas' ? '[]map[string]interface {}' : '[]string');
    for (const x of v) elem?.(x);
    return v;
  };
  const f = raw.fields;

  const scope = str('scope');
  if (scope !== undefined && scope !== '') raw.scope = scope;
  const title = str('title');
  if (title) f.title = title;
  const ep = byField.get('entrypoint');
  if (ep !== undefined && ep !== null) {
    if (typeof ep !== 'boolean') throw mismatch('entrypoint', ep, 'bool');
    if (ep) {
      raw.entrypoint = true;
      f.entrypoint = true;
    }
  }
  const description = str('description');
  if (description) f.description = description;
  const orgs = list('organizations', (x) => {
    if (x !== null && typeof x !== 'string') throw mismatch('organizations', x, 'string');
  });
  if (orgs.length > 0) f.organizations = orgs.map((x) => x ?? '');
  const related = list('related_resources').map((x) => relatedResource(x, span));
  if (related.length > 0) f.related_resources = related;
  const authors = list('authors').map((x) => author(x, span));
  if (authors.length > 0) f.authors = authors;
  const schemas = list('schemas', (x) => {
    if (x !== null && !isPlainObject(x)) throw mismatch('schemas', x, 'map[string]interface {}');
  }).map((x) => schema(x, span));
  if (schemas.length > 0) f.schemas = schemas;
  const custom = byField.get('custom');
  if (custom !== undefined && custom !== null) {
    if (!isPlainObject(custom)) throw mismatch('custom', custom, 'map[string]interface {}');
    if (Object.keys(custom).length > 0) f.custom = custom;
  }
  return raw;
}

/** `"Jane Doe <jane@example.com>"` or `{name, email}` → `{name, email}` (empty parts left out). */
function author(v: Value, span: Span): PlainObject {
  let name = '';
  let email = '';
  if (typeof v === 'string') {
    const parts = v.split(/\s+/).filter((p) => p !== '');
    if (parts.length === 0) throw parseError('author is an empty string', span);
    const last = parts[parts.length - 1]!;
    if (last.length >= 2 && last.startsWith('<') && last.endsWith('>')) {
      email = last.slice(1, -1);
      parts.pop();
    }
    name = parts.join(' ');
  } else if (isPlainObject(v)) {
    name = safeString(v, 'name').trim();
    email = safeString(v, 'email').trim();
    if (name === '' && email === '')
      throw parseError("'name' and/or 'email' values required in object", span);
  } else {
    throw parseError('invalid value type, must be string or map', span);
  }
  const o = emptyObject();
  if (name) o.name = name;
  if (email) o.email = email;
  return o;
}

/** A URL string or `{ref, description}` → `{ref, description}`. */
function relatedResource(v: Value, span: Span): PlainObject {
  let ref: string;
  let description = '';
  if (typeof v === 'string') {
    if (v === '') throw parseError('ref URL may not be empty string', span);
    ref = v;
  } else if (isPlainObject(v)) {
    description = safeString(v, 'description').trim();
    ref = safeString(v, 'ref').trim();
    if (ref === '') throw parseError("'ref' value required in object", span);
  } else {
    throw parseError('invalid value type, must be string or map', span);
  }
  checkURL(ref, span);
  const o = emptyObject();
  o.ref = ref;
  if (description) o.description = description;
  return o;
}

/** The few strings Go's `url.Parse` refuses: control characters, bad escapes, `:` first. */
function checkURL(ref: string, span: Span): void {
  if (/[\x00-\x1f\x7f]/.test(ref))
    throw parseError(`parse "${ref}": net/url: invalid control character in URL`, span);
  if (ref.startsWith(':')) throw parseError(`parse "${ref}": missing protocol scheme`, span);
  const bad = /%(?![0-9a-fA-F]{2})/.exec(ref);
  if (bad) {
    const esc = ref.slice(bad.index, bad.index + 3);
    throw parseError(`parse "${ref}": invalid URL escape "${esc}"`, span);
  }
}

/** `- input.x: schema.y` or `- input.x: {…definition…}` → `{path, schema}` / `{path, definition}`. */
function schema(v: Value, span: Span): PlainObject {
  const entries = isPlainObject(v) ? Object.entries(v) : [];
  const [key, val] = entries[0] ?? ['', null];
  const path = dottedRef(key);
  if (!path) throw parseError('invalid document reference', span);
  const o = emptyObject();
  o.path = path;
  if (typeof val === 'string') {
    const ref = dottedRef(val);
    if (ref?.[0] !== 'schema') throw parseError(`invalid schema reference: ${val}`, span);
    o.schema = ref;
  } else if (isPlainObject(val)) {
    o.definition = val;
  } else {
    throw parseError(`invalid schema declaration for path "${key}"`, span);
  }
  return o;
}

/** `a.b["c"]` → `["a", "b", "c"]`; undefined when not a simple ref. */
function dottedRef(s: string): string[] | undefined {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s);
  if (!m) return undefined;
  const out = [m[0]];
  const seg = /^(?:\.([A-Za-z_][A-Za-z0-9_]*)|\["((?:[^"\\]|\\.)*)"\])/;
  let rest = s.slice(m[0].length);
  while (rest !== '') {
    const x = seg.exec(rest);
    if (!x) return undefined;
    if (x[1] !== undefined) out.push(x[1]);
    else {
      try {
        out.push(JSON.parse(`"${x[2]}"`) as string);
      } catch {
        return undefined;
      }
    }
    rest = rest.slice(x[0].length);
  }
  return out;
}

function safeString(o: PlainObject, k: string): string {
  const v = o[k];
  return typeof v === 'string' ? v : '';
}

function goType(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function parseError(message: string, span: Span): RegoError {
  return new RegoError('rego_parse_error', message, span);
}
