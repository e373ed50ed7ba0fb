/**
 * `$ref` resolution for the JSON Schema builtins (jsonschema.ts), as gojsonschema does it: the
 * draft named by `$schema`, references resolved against `$id`/`id`, a pool of documents and
 * sub-documents by reference, and RFC 6901 JSON pointers with gojsonpointer's messages.
 */
import { mustBeOfType, SchemaError } from './jsonschema-errors.ts';
import { has, isJObject, type J, sortedKeys } from './jsonschema-json.ts';

export const DRAFT4 = 4;
export const DRAFT6 = 6;
export const DRAFT7 = 7;
export const HYBRID = 2147483647;

const DRAFT_URLS: Record<string, number> = {
  'http://json-schema.org/draft-04/schema': DRAFT4,
  'http://json-schema.org/draft-06/schema': DRAFT6,
  'http://json-schema.org/draft-07/schema': DRAFT7,
};

function splitFragment(ref: string): [string, string | undefined] {
  const i = ref.indexOf('#');
  return i < 0 ? [ref, undefined] : [ref.slice(0, i), ref.slice(i + 1)];
}

/** A reference's canonical text: an empty fragment is dropped (as Go's url.URL.String does). */
export function normalizeRef(ref: string): string {
  const [base, frag] = splitFragment(ref);
  return frag === undefined || frag === '' ? base : `${base}#${frag}`;
}

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/** Resolves `ref` against `base` (RFC 3986, as Go's URL.ResolveReference; the base's fragment is ignored). */
function resolveRef(base: string, ref: string): string {
  const [rb, rf] = splitFragment(ref);
  const bb = splitFragment(base)[0];
  let resolved: string;
  if (SCHEME.test(rb)) {
    resolved = rb;
  } else if (rb === '') {
    resolved = bb;
  } else if (SCHEME.test(bb)) {
    try {
      resolved = new URL(rb, bb).href;
    } catch {
      resolved = rb;
    }
  } else if (rb.startsWith('/') || bb === '') {
    resolved = rb;
  } else {
    resolved = bb.slice(0, bb.lastIndexOf('/') + 1) + rb;
  }
  return normalizeRef(rf === undefined ? resolved : `${resolved}#${rf}`);
}

/** gojsonschema's parseSchemaURL: the draft named by `$schema`, if any. */
export function draftOf(doc: J): number | undefined {
  if (typeof doc === 'boolean') return undefined;
  if (!isJObject(doc)) throw new SchemaError('schema is invalid');
  if (!has(doc, '$schema')) return undefined;
  const s = doc.$schema;
  if (typeof s !== 'string') throw mustBeOfType('$schema', 'string');
  return DRAFT_URLS[normalizeRef(s)];
}

/** RFC 6901 JSON pointer evaluation, with gojsonpointer's messages. */
function pointerGet(doc: J, fragment: string): J {
  let pointer = fragment;
  try {
    pointer = decodeURIComponent(fragment);
  } catch {
    // keep the raw text
  }
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) throw new SchemaError('JSON pointer must be empty or start with a "/"');
  let node: J = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (isJObject(node)) {
      if (!has(node, token)) throw new SchemaError(`Object has no key '${token}'`);
      node = node[token] as J;
    } else if (Array.isArray(node)) {
      if (!/^\d+$/.test(token)) throw new SchemaError(`Invalid array index '${token}'`);
      const i = Number(token);
      if (i >= node.length) throw new SchemaError(`Out of bound array[0,${node.length - 1}] index '${i}'`);
      node = node[i] as J;
    } else {
      throw new SchemaError(`Invalid token reference '${token}'`);
    }
  }
  return node;
}

interface PoolDocument {
  readonly doc: J;
  readonly draft: number | undefined;
}

export class SchemaPool {
  readonly documents = new Map<string, PoolDocument>();

  /** Adds a document (and every `$id`/`id` inside it), rewriting `$ref`s to absolute references. */
  add(doc: J, ref: string): void {
    if (this.documents.has(ref)) throw new SchemaError(`Reference already exists: "${ref}"`);
    const draft = draftOf(doc);
    this.walk(doc, ref, draft, true);
    this.documents.set(ref, { doc, draft });
  }

  private walk(node: J, ref: string, draft: number | undefined, top: boolean): void {
    if (Array.isArray(node)) {
      for (const v of node) this.walk(v, ref, draft, false);
      return;
    }
    if (!isJObject(node)) return;
    let local = ref;
    const idKey = has(node, 'id') ? 'id' : '$id';
    const id = node[idKey];
    if (typeof id === 'string') {
      local = resolveRef(ref, id);
      if (this.documents.has(local)) {
        // Only a clash at the top of the document is reported (nested ones are ignored, as in Go).
        if (top) throw new SchemaError(`Reference already exists: "${local}"`);
        return;
      }
      this.documents.set(local, { doc: node, draft });
    }
    const r = node.$ref;
    if (typeof r === 'string') node.$ref = resolveRef(local, r);
    for (const k of sortedKeys(node)) {
      const v = node[k] as J;
      if (k === 'const' || k === 'enum') continue;
      if (k === 'properties' || k === 'dependencies' || k === 'patternProperties') {
        if (isJObject(v)) for (const ck of sortedKeys(v)) this.walk(v[ck] as J, local, draft, false);
      } else {
        this.walk(v, local, draft, false);
      }
    }
  }

  get(ref: string): PoolDocument {
    const found = this.documents.get(ref);
    if (found) return found;
    const [base, frag] = splitFragment(ref);
    const whole = this.documents.get(base);
    if (whole) {
      const spd = { doc: pointerGet(whole.doc, frag ?? ''), draft: whole.draft };
      this.documents.set(ref, spd);
      return spd;
    }
    if (base === '') throw new SchemaError(`Reference ${ref} must be canonical`);
    throw new SchemaError(`remote schema references are not supported: ${ref}`);
  }
}
