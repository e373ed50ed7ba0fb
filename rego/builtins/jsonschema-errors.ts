/**
 * What the JSON Schema builtins (jsonschema.ts) report, in gojsonschema's words: schema errors
 * (compilation, reference resolution) and the validation errors a Result collects, with their
 * types and description templates, so that policies see the same error objects as under OPA.
 */

/** A schema error (compilation, reference resolution); the message is gojsonschema's. */
export class SchemaError extends Error {}

// ---------------------------------------------------------------------------------------------
// Messages (gojsonschema's DefaultLocale)

type Details = Record<string, string | number>;

function fill(template: string, details: Details): string {
  return template.replace(/\{\{\.(\w+)\}\}/g, (_m, k: string) => {
    const v = details[k];
    return v === undefined ? '<no value>' : String(v);
  });
}

export const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

export const invalidType = (expected: string, given: string): SchemaError =>
  new SchemaError(`Invalid type. Expected: ${expected}, given: ${given}`);
export const mustBeOfA = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of a ${y}`);
export const mustBeOfAn = (x: string, y: string): SchemaError => new SchemaError(`${x} must be of an ${y}`);
export const mustBeOfType = (key: string, type: string): SchemaError =>
  new SchemaError(`${key} must be of type ${type}`);
export const parseError = (): SchemaError => new SchemaError('Expected: valid schema, given: Invalid JSON');

/** Validation error types and their description templates. */
const ERROR_TEMPLATES = {
  false: 'False always fails validation',
  required: '{{.property}} is required',
  invalid_type: 'Invalid type. Expected: {{.expected}}, given: {{.given}}',
  number_any_of: 'Must validate at least one schema (anyOf)',
  number_one_of: 'Must validate one and only one schema (oneOf)',
  number_all_of: 'Must validate all the schemas (allOf)',
  number_not: 'Must not validate the schema (not)',
  missing_dependency: 'Has a dependency on {{.dependency}}',
  const: '{{.field}} does not match: {{.allowed}}',
  enum: '{{.field}} must be one of the following: {{.allowed}}',
  array_no_additional_items: 'No additional items allowed on array',
  array_min_items: 'Array must have at least {{.min}} items',
  array_max_items: 'Array must have at most {{.max}} items',
  unique: '{{.type}} items[{{.i}},{{.j}}] must be unique',
  contains: 'At least one of the items must match',
  array_min_properties: 'Must have at least {{.min}} properties',
  array_max_properties: 'Must have at most {{.max}} properties',
  additional_property_not_allowed: 'Additional property {{.property}} is not allowed',
  invalid_property_name: 'Property name of "{{.property}}" does not match',
  string_gte: 'String length must be greater than or equal to {{.min}}',
  string_lte: 'String length must be less than or equal to {{.max}}',
  pattern: "Does not match pattern '{{.pattern}}'",
  format: "Does not match format '{{.format}}'",
  multiple_of: 'Must be a multiple of {{.multiple}}',
  number_gte: 'Must be greater than or equal to {{.min}}',
  number_gt: 'Must be greater than {{.min}}',
  number_lte: 'Must be less than or equal to {{.max}}',
  number_lt: 'Must be less than {{.max}}',
  condition_then: 'Must validate "then" as "if" was valid',
  condition_else: 'Must validate "else" as "if" was not valid',
} as const;

type ErrorType = keyof typeof ERROR_TEMPLATES;

// ---------------------------------------------------------------------------------------------
// Validation results

export class Context {
  readonly head: string;
  readonly tail: Context | undefined;
  constructor(head: string, tail?: Context) {
    this.head = head;
    this.tail = tail;
  }
  toString(): string {
    const parts: string[] = [];
    for (let c: Context | undefined = this; c; c = c.tail) parts.push(c.head);
    return parts.reverse().join('.');
  }
}

interface ResultError {
  readonly type: ErrorType;
  readonly field: string;
  readonly description: string;
}

export class Result {
  readonly errors: ResultError[] = [];
  score = 0;

  valid(): boolean {
    return this.errors.length === 0;
  }

  add(type: ErrorType, context: Context, details: Details = {}): void {
    const field = context.toString().replace(/^\(root\)\./, '');
    const description = fill(ERROR_TEMPLATES[type], { ...details, field, context: context.toString() });
    this.errors.push({ type, field, description });
    this.score -= 2;
  }

  merge(other: Result): void {
    this.errors.push(...other.errors);
    this.score += other.score;
  }
}
