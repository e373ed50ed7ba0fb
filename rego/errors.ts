/**
 * The one error type of the Rego library.
 *
 * Codes follow OPA's categories so that messages read the same as `opa eval`:
 * `rego_parse_error`, `rego_compile_error`, `rego_unsafe_var_error`, `rego_recursion_error`,
 * `rego_type_error` at compile time; `eval_conflict_error`, `eval_type_error`,
 * `eval_builtin_error` at evaluation; `eval_limit_error` and `eval_cancel_error` when an
 * evaluation exceeds its step or time budget.
 */

/** A source file the lexer read. Spans point into it, so errors can show the offending line. */
export interface Source {
  /** File name used in messages, e.g. `policies/orchestrator.rego`. */
  readonly name: string;
  readonly text: string;
}

/** Where an AST node or token came from. Lines and columns are 1-based. */
export interface Span {
  readonly source: Source;
  readonly line: number;
  readonly col: number;
  /** Offset of the first character in `source.text`. */
  readonly start: number;
  /** Offset one past the last character. */
  readonly end: number;
}

export type RegoErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'rego_type_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_limit_error'
  | 'eval_cancel_error'
  | 'eval_internal_error';

/** One problem, with its location when it has one. */
export interface RegoErrorDetail {
  readonly code: RegoErrorCode;
  readonly message: string;
  readonly span?: Span | undefined;
}

/**
 * Every error the library raises. A compile can carry several details (all problems of a
 * compile are reported together); `message` is the first one rendered OPA-style as
 * `file:line: code: message`.
 *
 * @example
 * ```ts
 * try { compile([{ name: 'p.rego', text: 'package p\nx := y' }]); }
 * catch (e) { if (e instanceof RegoError) console.error(e.render()); }
 * ```
 */
export class RegoError extends Error {
  readonly code: RegoErrorCode;
  readonly details: readonly RegoErrorDetail[];

  constructor(code: RegoErrorCode, message: string, span?: Span, details?: RegoErrorDetail[]) {
    const all = details && details.length > 0 ? details : [{ code, message, span }];
    super(
      all.length === 1
        ? formatDetail(all[0]!)
        : `${all.length} errors occurred:\n${all.map(formatDetail).join('\n')}`,
    );
    this.name = 'RegoError';
    this.code = all[0]!.code;
    this.details = all;
  }

  /** The first problem's location, if any. */
  get span(): Span | undefined {
    return this.details[0]?.span;
  }

  /**
   * Renders every problem like OPA does on the terminal: `--> file:line:col`, the source
   * line, a caret under the column, and the message.
   */
  render(): string {
    return this.details.map(renderDetail).join('\n\n');
  }
}

/** `file:line: code: message`, OPA's one-line form. */
export function formatDetail(d: RegoErrorDetail): string {
  return d.span ? `${d.span.source.name}:${d.span.line}: ${d.code}: ${d.message}` : `${d.code}: ${d.message}`;
}

function renderDetail(d: RegoErrorDetail): string {
  if (!d.span) return `${d.code}: ${d.message}`;
  const { source, line, col } = d.span;
  const text = source.text.split('\n')[line - 1] ?? '';
  const gutter = String(line).length;
  const pad = ' '.repeat(gutter);
  return [
    `${d.code}: ${d.message}`,
    `${pad}--> ${source.name}:${line}:${col}`,
    `${pad} |`,
    `${line} | ${text.replace(/\t/g, ' ')}`,
    `${pad} | ${' '.repeat(Math.max(0, col - 1))}^`,
  ].join('\n');
}

/**
 * Thrown by builtin implementations. The evaluator adds the builtin's name and the call's
 * location and turns it into a {@link RegoError} (or, in non-strict mode, into undefined).
 */
export class BuiltinError extends Error {
  readonly kind: 'eval_type_error' | 'eval_builtin_error';
  constructor(kind: 'eval_type_error' | 'eval_builtin_error', message: string) {
    super(message);
    this.name = 'BuiltinError';
    this.kind = kind;
  }
}

/**
 * Thrown when a builtin deliberately produces no value (e.g. `to_number("x")` is an error,
 * but some lookups are simply undefined). The evaluator treats it as "expression undefined".
 */
export class UndefinedResult extends Error {
  constructor() {
    super('undefined');
    this.name = 'UndefinedResult';
  }
}
