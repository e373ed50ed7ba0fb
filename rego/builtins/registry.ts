/**
 * The builtin registry and the argument guards every builtin family uses.
 *
 * A family module exports `register(registry)`; `builtins/index.ts` calls them all. A builtin
 * receives evaluated arguments (never undefined) and returns a Value, or `undefined` when the
 * result is undefined. It signals failure by throwing {@link BuiltinError}: `eval_type_error`
 * for a wrong operand type (use the guards below, which word the message as OPA does),
 * `eval_builtin_error` for everything else (divide by zero, bad format, …). The evaluator
 * prefixes the builtin name and the call location; in non-strict mode it turns the error into
 * "undefined", as OPA does.
 */
import { BuiltinError } from '../errors.ts';
import {
  isNumber,
  isObject,
  type PlainObject,
  type RegoObject,
  RegoSet,
  type TypeName,
  typeName,
  type Value,
} from '../value.ts';

/** Per-evaluation services a builtin may use. */
export interface BuiltinContext {
  /** Evaluation start time in ns since the epoch: `time.now_ns()` returns this (one value per evaluation). */
  readonly nowNs: bigint;
  /** Per-evaluation cache: nondeterministic builtins (e.g. `uuid.rfc4122`) memoise by key here. */
  readonly cache: Map<string, Value>;
  /** Destination of `print`. */
  print(message: string): void;
}

export type BuiltinFn = (args: Value[], ctx: BuiltinContext) => Value | undefined;

export interface Builtin {
  /** Dotted name, e.g. `strings.replace_n`. */
  readonly name: string;
  /** Number of arguments (excluding the output operand). */
  readonly arity: number;
  /** Category shown in docs/builtins.md, e.g. `strings`. */
  readonly category: string;
  readonly fn: BuiltinFn;
  /** True when results may differ between evaluations (time, uuid, rand). */
  readonly nondeterministic?: boolean;
  /**
   * Relations produce several outputs (OPA's `walk`): `fn` then returns a JS array whose
   * elements are the alternative outputs, each one a separate solution for the evaluator.
   */
  readonly relation?: boolean;
  /**
   * Variadic builtins (`print`) accept any number of args; arity is then the minimum.
   */
  readonly variadic?: boolean;
  /**
   * Known to OPA but not implemented here: registered so policies that only call it under a
   * `with` mock compile and run, as in OPA; a real call is a builtin error.
   */
  readonly unsupported?: string;
}

/** Name → builtin. */
export class BuiltinRegistry {
  private readonly map = new Map<string, Builtin>();

  /** Registers (or replaces) a builtin. */
  add(b: Builtin): void {
    this.map.set(b.name, b);
  }

  /** Shorthand: `reg.def('count', 1, 'aggregates', ([x]) => …)`. */
  def(name: string, arity: number, category: string, fn: BuiltinFn, opts: Partial<Builtin> = {}): void {
    this.add({ name, arity, category, fn, ...opts });
  }

  get(name: string): Builtin | undefined {
    return this.map.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  all(): Builtin[] {
    return [...this.map.values()];
  }
}

// ---------------------------------------------------------------------------------------------
// Guards. `pos` is the 1-based operand position used in OPA's messages.

/** Throws OPA's `operand N must be T but got U` type error. */
export function typeError(pos: number, expected: string, got: Value): never {
  throw new BuiltinError('eval_type_error', `operand ${pos} must be ${expected} but got ${typeName(got)}`);
}

/** Throws OPA's `operand N <message>` type error (builtins.NewOperandErr). */
export function operandError(pos: number, message: string): never {
  throw new BuiltinError('eval_type_error', `operand ${pos} ${message}`);
}

/** Throws an `eval_builtin_error` with the given message. */
export function builtinError(message: string): never {
  throw new BuiltinError('eval_builtin_error', message);
}

export function argString(args: Value[], i: number): string {
  const v = args[i] as Value;
  if (typeof v !== 'string') typeError(i + 1, 'string', v);
  return v;
}

export function argNumber(args: Value[], i: number): number | bigint {
  const v = args[i] as Value;
  if (!isNumber(v)) typeError(i + 1, 'number', v);
  return v;
}

/** A number that must be an integer; returns it as a JS number (big ints are converted). */
export function argInt(args: Value[], i: number): number {
  const v = argNumber(args, i);
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (!Number.isInteger(n)) typeError(i + 1, 'integer', v);
  return n;
}

export function argBoolean(args: Value[], i: number): boolean {
  const v = args[i] as Value;
  if (typeof v !== 'boolean') typeError(i + 1, 'boolean', v);
  return v;
}

export function argArray(args: Value[], i: number): Value[] {
  const v = args[i] as Value;
  if (!Array.isArray(v)) typeError(i + 1, 'array', v);
  return v;
}

export function argSet(args: Value[], i: number): RegoSet {
  const v = args[i] as Value;
  if (!(v instanceof RegoSet)) typeError(i + 1, 'set', v);
  return v;
}

export function argObject(args: Value[], i: number): PlainObject | RegoObject {
  const v = args[i] as Value;
  if (!isObject(v)) typeError(i + 1, 'object', v);
  return v;
}

/**
 * Checks the operand is one of several types; the message lists them as OPA does:
 * `operand 1 must be one of {array, set} but got number`.
 */
export function argOneOf(args: Value[], i: number, types: readonly TypeName[]): Value {
  const v = args[i] as Value;
  if (!types.includes(typeName(v))) typeError(i + 1, `one of {${types.join(', ')}}`, v);
  return v;
}

/** Elements of an array or set operand (for builtins taking "array or set"). */
export function argCollection(args: Value[], i: number): Value[] {
  const v = argOneOf(args, i, ['array', 'set']);
  return Array.isArray(v) ? v : (v as RegoSet).sorted();
}
