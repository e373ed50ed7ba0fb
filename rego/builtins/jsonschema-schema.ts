/**
 * A compiled JSON Schema (gojsonschema's subSchema): what jsonschema-compile.ts produces and
 * jsonschema-validate.ts walks. Patterns are RE2, as in Go.
 */
import type { RE2JS } from 're2js';
import { BuiltinError } from '../errors.ts';
import type { Rat } from './jsonschema-json.ts';
import { compileRegex } from './regex-cache.ts';

interface Pattern {
  readonly source: string;
  readonly re: RE2JS;
}

export function compilePattern(source: string): RE2JS | undefined {
  try {
    return compileRegex(source);
  } catch (e) {
    if (e instanceof BuiltinError) return undefined;
    throw e;
  }
}

export class SubSchema {
  draft: number | undefined;
  readonly parent: SubSchema | undefined;
  readonly property: string;

  pass: boolean | undefined;
  refSchema: SubSchema | undefined;
  types: string[] = [];
  properties: SubSchema[] = [];
  additionalProperties: boolean | SubSchema | undefined;
  patternProperties: [Pattern, SubSchema][] | undefined;
  propertyNames: SubSchema | undefined;
  dependencies: Map<string, string[] | SubSchema> | undefined;
  items: SubSchema[] = [];
  itemsSingle = false;
  additionalItems: boolean | SubSchema | undefined;
  multipleOf: Rat | undefined;
  minimum: Rat | undefined;
  exclusiveMinimum: Rat | undefined;
  maximum: Rat | undefined;
  exclusiveMaximum: Rat | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: Pattern | undefined;
  format = '';
  minProperties: number | undefined;
  maxProperties: number | undefined;
  required: string[] = [];
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems = false;
  contains: SubSchema | undefined;
  constJSON: string | undefined;
  enumPresent = false;
  enumJSON: string[] = [];
  oneOf: SubSchema[] = [];
  anyOf: SubSchema[] = [];
  allOf: SubSchema[] = [];
  not: SubSchema | undefined;
  ifSchema: SubSchema | undefined;
  thenSchema: SubSchema | undefined;
  elseSchema: SubSchema | undefined;

  constructor(property: string, parent: SubSchema | undefined, draft?: number) {
    this.property = property;
    this.parent = parent;
    this.draft = draft;
  }

  typesString(): string {
    if (this.types.length === 0) return 'undefined';
    return this.types.length > 1 ? `[${this.types.join(',')}]` : (this.types[0] as string);
  }
}
