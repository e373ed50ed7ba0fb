/**
 * Building documents: nested objects produced by partial-object and ref-head rules, and the
 * merge of base documents (data.json) with virtual documents (rules).
 */
import { RegoError, type Span } from '../errors.ts';
import { equal, isObject, makeObject, objEntries, objGet, RegoSet, type Value, valueKey } from '../value.ts';

type Slot = { key: Value; leaf?: Value; children?: Map<unknown, Slot> };

/** Accumulates `keys → value` insertions into a nested object, raising conflicts like OPA. */
export class DocBuilder {
  private readonly root: Map<unknown, Slot> = new Map();
  private rootValue: Value | undefined;

  private readonly name: string;
  constructor(name: string) {
    this.name = name;
  }

  /** A rule without a dynamic suffix at this node contributes the whole value. */
  setRoot(v: Value, span: Span): void {
    if (this.rootValue !== undefined && !equal(this.rootValue, v)) {
      throw new RegoError('eval_conflict_error', `rule ${this.name} produced conflicting values`, span);
    }
    this.rootValue = v;
  }

  insert(keys: readonly Value[], v: Value, span: Span): void {
    let level = this.root;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const k = valueKey(key);
      let slot = level.get(k);
      const last = i === keys.length - 1;
      if (last) {
        if (slot) {
          if (slot.children || (slot.leaf !== undefined && !equal(slot.leaf, v))) {
            throw new RegoError(
              'eval_conflict_error',
              keys.length === 1
                ? 'object keys must be unique'
                : `rule ${this.name} produced conflicting values`,
              span,
            );
          }
          return;
        }
        level.set(k, { key, leaf: v });
        return;
      }
      if (!slot) {
        slot = { key, children: new Map() };
        level.set(k, slot);
      } else if (!slot.children) {
        throw new RegoError('eval_conflict_error', `rule ${this.name} produced conflicting values`, span);
      }
      level = slot.children!;
    }
  }

  /** Multi-value ref-head rules (`a.b[x] contains y`): adds v to the set at keys. */
  addToSet(keys: readonly Value[], v: Value, span: Span): void {
    let level = this.root;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const k = valueKey(key);
      let slot = level.get(k);
      if (i === keys.length - 1) {
        if (!slot) {
          slot = { key, leaf: new RegoSet() };
          level.set(k, slot);
        }
        if (!(slot.leaf instanceof RegoSet)) {
          throw new RegoError('eval_conflict_error', `rule ${this.name} produced conflicting values`, span);
        }
        slot.leaf.add(v);
        return;
      }
      if (!slot) {
        slot = { key, children: new Map() };
        level.set(k, slot);
      } else if (!slot.children) {
        throw new RegoError('eval_conflict_error', `rule ${this.name} produced conflicting values`, span);
      }
      level = slot.children!;
    }
  }

  build(): Value {
    const obj = toValue(this.root);
    return this.rootValue === undefined ? obj : mergeValues(this.rootValue, obj);
  }
}

function toValue(level: Map<unknown, Slot>): Value {
  const entries: [Value, Value][] = [];
  for (const slot of level.values()) {
    entries.push([slot.key, slot.leaf !== undefined ? slot.leaf : toValue(slot.children!)]);
  }
  return makeObject(entries);
}

/**
 * Deep-merges two documents: objects merge key by key; anything else must be equal. Returns
 * `a` when they conflict (the compiler prevents most conflicts; at run time the virtual
 * document wins, as the later argument).
 */
export function mergeValues(a: Value, b: Value): Value {
  if (!isObject(a) || !isObject(b)) return b;
  const out: [Value, Value][] = objEntries(a);
  for (const [k, v] of objEntries(b)) {
    const prev = objGet(a, k);
    const idx = out.findIndex(([x]) => equal(x, k));
    const merged = prev === undefined ? v : mergeValues(prev, v);
    if (idx >= 0) out[idx] = [k, merged];
    else out.push([k, merged]);
  }
  return makeObject(out);
}
