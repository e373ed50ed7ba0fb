/**
 * JSON Schema family: json.verify_schema, json.match_schema. Expectations ported by hand from
 * OPA's conformance cases (v1/test/cases/testdata/v1/jsonschema/test-json-match_schema.yaml),
 * OPA's topdown/jsonschema_test.go, and the behaviour and messages of OPA's gojsonschema fork
 * (internal/gojsonschema: validation.go, schema.go, locales).
 */
import { describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { register as jsonschema } from '../../rego/builtins/jsonschema.ts';
import { compile } from '../../rego/index.ts';
import { fromJSON, RegoSet, type Value } from '../../rego/value.ts';
import {
  BUILTIN,
  callBuiltin,
  expectJSON,
  expectThrows,
  familyRegistry,
  newCtx,
} from '../support/builtin-harness.ts';

const r = familyRegistry(jsonschema);
const ctx = newCtx();

/** Strings are passed as JSON text; anything else is converted with fromJSON. */
const arg = (x: unknown): Value => (typeof x === 'string' ? x : fromJSON(x));

const call = (name: string, args: unknown[]): Value | undefined => callBuiltin(r, name, args.map(arg), ctx);

const match = (doc: unknown, schema: unknown): Value | undefined => call('json.match_schema', [doc, schema]);
const verify = (schema: unknown): Value | undefined => call('json.verify_schema', [schema]);

const expectBuiltinError = (fn: () => unknown, message: string): void => expectThrows(fn, BUILTIN, message);

/** One gojsonschema error object. */
const e = (field: string, type: string, desc: string) => ({ error: `${field}: ${desc}`, type, field, desc });

const full = createDefaultRegistry();
jsonschema(full);
function evalRego(body: string): Value | undefined {
  const policy = compile([{ name: 'test.rego', text: `package test\n${body}` }], { registry: full });
  return policy.query('x = data.test.p', { strictBuiltinErrors: true })[0]?.x;
}

const SIMPLE = { properties: { id: { type: 'integer' } }, required: ['id'] };
const SIMPLE_TEXT =
  '{\n  "properties": {\n    "id": {\n      "type": "integer"\n    }\n  },\n  "required": ["id"]\n}';

describe('json.match_schema (conformance jsonschema/test-json-match_schema.yaml)', () => {
  it('success', () => {
    expectJSON(
      evalRego(
        'document := {"id": 5}\nschema := {"properties": {"id": {"type": "integer"}}, "required": ["id"]}\np := json.match_schema(document, schema)',
      ),
      [true, []],
    );
  });

  it('success string document', () => {
    expectJSON(
      evalRego(
        'document := `{"id": 5}`\nschema := {"properties": {"id": {"type": "integer"}}, "required": ["id"]}\np := json.match_schema(document, schema)',
      ),
      [true, []],
    );
  });

  it('success string schema', () => {
    expectJSON(
      evalRego(
        `document := {"id": 5}\nschema := \`${SIMPLE_TEXT}\`\np := json.match_schema(document, schema)`,
      ),
      [true, []],
    );
  });

  it('invalid document', () => {
    expectJSON(
      evalRego(
        'document := {"id": "foo"}\nschema := {"properties": {"id": {"type": "integer"}}, "required": ["id"]}\np := json.match_schema(document, schema)',
      ),
      [false, [e('id', 'invalid_type', 'Invalid type. Expected: integer, given: string')]],
    );
  });

  it('empty enum rejects document', () => {
    expectJSON(
      evalRego(
        'p if {\n  result := json.match_schema({"value": "allow"}, {"enum": []})\n  result[0] == false\n}',
      ),
      true,
    );
    expectJSON(match({ value: 'allow' }, { enum: [] }), [
      false,
      [e('(root)', 'enum', '(root) must be one of the following: (none)')],
    ]);
  });

  it('invalid schema', () => {
    expect(() =>
      evalRego(
        'document := {"id": "foo"}\nschema := {"properties": {"id": {"type": "unknown"}}, "required": ["id"]}\np := json.match_schema(document, schema)',
      ),
    ).toThrow(
      'json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/ Expected valid values are:[array boolean integer number null object string]',
    );
  });
});

describe('json.verify_schema (OPA topdown/jsonschema_test.go)', () => {
  it('valid schemas', () => {
    expectJSON(verify('{}'), [true, null]);
    expectJSON(verify(SIMPLE_TEXT), [true, null]);
    expectJSON(verify({}), [true, null]);
    expectJSON(verify(SIMPLE), [true, null]);
    expectJSON(verify(true), [false, 'jsonschema: wrong type, expected string or object']);
    expectJSON(verify('true'), [true, null]);
  });

  it('broken JSON, broken schema', () => {
    expectJSON(verify('{ "a": "'), [false, 'jsonschema: invalid JSON string']);
    expectJSON(verify('{ "properties": { id: {} } }'), [false, 'jsonschema: invalid JSON string']);
    expectJSON(verify('{"properties": {"id": {"type": "UNKNOWN"}}, "required": ["id"]}'), [
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /UNKNOWN/ Expected valid values are:[array boolean integer number null object string]',
    ]);
  });

  it('schema compilation errors (gojsonschema messages)', () => {
    const cases: [unknown, string][] = [
      [[1], 'schema is invalid'],
      [{ type: ['string', 'string'] }, 'string type is duplicated'],
      [{ type: 1 }, 'Invalid type. Expected: type, given: string/array of strings'],
      [{ properties: [] }, 'properties must be of type object'],
      [
        { additionalProperties: 1 },
        'Invalid type. Expected: boolean/valid schema, given: additionalProperties',
      ],
      [{ patternProperties: { '(': {} } }, "Invalid regex pattern '('"],
      [{ items: 1 }, 'Invalid type. Expected: valid schema/array of schemas, given: items'],
      [{ multipleOf: 0 }, 'multipleOf must be strictly greater than 0'],
      [{ multipleOf: 'x' }, 'Invalid type. Expected: number, given: multipleOf'],
      [{ minimum: 'x' }, 'minimum must be of a number'],
      [{ exclusiveMinimum: true }, 'exclusiveMinimum cannot be used without minimum'],
      [{ exclusiveMaximum: 'x' }, 'Invalid type. Expected: boolean/number, given: exclusiveMaximum'],
      [{ minLength: 1.5 }, 'minLength must be of an integer'],
      [{ maxLength: -1 }, 'maxLength must be greater than or equal to 0'],
      [{ minLength: 3, maxLength: 2 }, 'minLength cannot be greater than maxLength'],
      [{ minProperties: 3, maxProperties: 2 }, 'minProperties cannot be greater than maxProperties'],
      [{ pattern: '(' }, 'pattern must be a valid regex'],
      [{ pattern: 1 }, 'Invalid type. Expected: string, given: pattern'],
      [{ required: 'a' }, 'required must be of an array'],
      [{ required: [1] }, 'Invalid type. Expected: string, given: required'],
      [{ required: ['a', 'a'] }, 'required items must be unique'],
      [{ uniqueItems: 1 }, 'uniqueItems must be of a boolean'],
      [{ enum: [1, 1.0] }, 'enum items must be unique'],
      [{ not: 1 }, 'not must be of an object'],
      [{ if: 1 }, 'if must be of an object'],
      [{ dependencies: { a: [1] } }, 'dependency must be of type schema or array of strings'],
      [{ definitions: { a: 1 } }, 'Invalid type. Expected: array of schemas, given: definitions'],
      [{ allOf: [1] }, 'Expected: valid schema, given: Invalid JSON'],
      [{ $schema: 1 }, '$schema must be of type string'],
      [{ $ref: '#/definitions/missing' }, "Object has no key 'definitions'"],
      [{ $ref: '#foo' }, 'JSON pointer must be empty or start with a "/"'],
    ];
    for (const [schema, message] of cases) expectJSON(verify(schema), [false, `jsonschema: ${message}`]);
  });

  it('draft 4: exclusiveMinimum must be a boolean; boolean schemas are not allowed', () => {
    const d4 = 'http://json-schema.org/draft-04/schema#';
    expectJSON(verify({ $schema: d4, minimum: 1, exclusiveMinimum: 2 }), [
      false,
      'jsonschema: Invalid type. Expected: boolean, given: exclusiveMinimum',
    ]);
    expectJSON(verify({ $schema: d4, items: true }), [
      false,
      'jsonschema: Expected: valid schema, given: Invalid JSON',
    ]);
    expectJSON(verify({ $schema: 'http://json-schema.org/draft-07/schema#', exclusiveMinimum: true }), [
      false,
      'jsonschema: Invalid type. Expected: number, given: exclusiveMinimum',
    ]);
  });
});

describe('json.match_schema (OPA topdown/jsonschema_test.go)', () => {
  it('string documents and schemas', () => {
    expectJSON(match('{}', '{}'), [true, []]);
    expectJSON(match('{ "id": 5 }', SIMPLE_TEXT), [true, []]);
    expectJSON(match('{ "id": "test" }', SIMPLE_TEXT), [
      false,
      [e('id', 'invalid_type', 'Invalid type. Expected: integer, given: string')],
    ]);
  });

  it('errors', () => {
    expectBuiltinError(() => match('{}', '{ "a": "'), 'invalid JSON string');
    expectBuiltinError(() => match('{ "a": "', '{}'), 'invalid JSON string');
    expectBuiltinError(
      () => match('{ "id": 5 }', '{"properties": {"id": {"type": "UNKNOWN"}}}'),
      'has a primitive type that is NOT VALID -- given: /UNKNOWN/ Expected valid values are:[array boolean integer number null object string]',
    );
    expectBuiltinError(() => match(5, {}), 'wrong type, expected string or object');
    expectBuiltinError(() => match({}, 5), 'wrong type, expected string or object');
  });
});

describe('json.match_schema validation (gojsonschema semantics)', () => {
  it('types: integer vs number, union types', () => {
    expectJSON(match('1.0', { type: 'integer' }), [true, []]);
    expectJSON(match('1.5', { type: 'integer' }), [
      false,
      [e('(root)', 'invalid_type', 'Invalid type. Expected: integer, given: number')],
    ]);
    expectJSON(match('null', { type: ['string', 'integer'] }), [
      false,
      [e('(root)', 'invalid_type', 'Invalid type. Expected: [string,integer], given: null')],
    ]);
    expectJSON(match([1, 'a'], { type: 'array', items: { type: 'number' } }), [
      false,
      [e('1', 'invalid_type', 'Invalid type. Expected: number, given: string')],
    ]);
  });

  it('objects: required, additional properties, pattern properties, property names, sizes', () => {
    expectJSON(match({}, SIMPLE), [false, [e('(root)', 'required', 'id is required')]]);
    expectJSON(match({ id: 1, extra: true }, { properties: { id: {} }, additionalProperties: false }), [
      false,
      [e('(root)', 'additional_property_not_allowed', 'Additional property extra is not allowed')],
    ]);
    expectJSON(
      match(
        { x_a: 1, y: 'no' },
        { patternProperties: { '^x_': { type: 'integer' } }, additionalProperties: { type: 'integer' } },
      ),
      [false, [e('y', 'invalid_type', 'Invalid type. Expected: integer, given: string')]],
    );
    expectJSON(match({ ab: 1 }, { propertyNames: { maxLength: 1 } }), [
      false,
      [
        e('(root)', 'invalid_property_name', 'Property name of "ab" does not match'),
        e('(root)', 'string_lte', 'String length must be less than or equal to 1'),
      ],
    ]);
    expectJSON(match({ a: 1 }, { minProperties: 2 }), [
      false,
      [e('(root)', 'array_min_properties', 'Must have at least 2 properties')],
    ]);
    expectJSON(match({ a: 1 }, { maxProperties: 0 }), [
      false,
      [e('(root)', 'array_max_properties', 'Must have at most 0 properties')],
    ]);
    expectJSON(match({ a: 1 }, { dependencies: { a: ['b'], b: { required: ['c'] } } }), [
      false,
      [e('(root)', 'missing_dependency', 'Has a dependency on b')],
    ]);
    expectJSON(match({ a: { b: 'x' } }, { properties: { a: { properties: { b: { const: 'y' } } } } }), [
      false,
      [e('a.b', 'const', 'a.b does not match: "y"')],
    ]);
  });

  it('arrays: items tuples, additionalItems, sizes, uniqueness, contains', () => {
    expectJSON(
      match([1, 'a', true], { items: [{ type: 'integer' }, { type: 'string' }], additionalItems: false }),
      [false, [e('(root)', 'array_no_additional_items', 'No additional items allowed on array')]],
    );
    expectJSON(match([1, 2, 1], { uniqueItems: true, minItems: 4, maxItems: 2 }), [
      false,
      [
        e('(root)', 'array_min_items', 'Array must have at least 4 items'),
        e('(root)', 'array_max_items', 'Array must have at most 2 items'),
        e('(root)', 'unique', 'array items[0,2] must be unique'),
      ],
    ]);
    expectJSON(match([1, 'a'], { contains: { type: 'boolean' } }), [
      false,
      [
        e('(root)', 'contains', 'At least one of the items must match'),
        e('0', 'invalid_type', 'Invalid type. Expected: boolean, given: integer'),
      ],
    ]);
    // Sets are arrays to the validator.
    expectJSON(
      call('json.match_schema', [new RegoSet([1, 2]), { type: 'array', items: { type: 'integer' } }]),
      [true, []],
    );
  });

  it('strings: lengths in code points, patterns (RE2, unanchored), formats', () => {
    expectJSON(match('"héé"', { minLength: 3, maxLength: 3 }), [true, []]);
    expectJSON(match('"abc"', { pattern: '^a.c$' }), [true, []]);
    expectJSON(match('"xabcx"', { pattern: 'b' }), [true, []]);
    expectJSON(match('"ABC"', { pattern: '^[a-z]+$' }), [
      false,
      [e('(root)', 'pattern', "Does not match pattern '^[a-z]+$'")],
    ]);
    const formats: [string, string, boolean][] = [
      ['date-time', '2020-01-01T10:00:00Z', true],
      ['date-time', '2020-01-01T10:00:00.123+01:00', true],
      ['date-time', '2020-13-01T10:00:00Z', false],
      ['date', '2020-02-29', true],
      ['date', '2021-02-29', false],
      ['time', '10:00:00', true],
      ['time', '25:00:00', false],
      ['email', 'alice@example.com', true],
      ['email', 'Alice <alice@example.com>', true],
      ['email', 'alice', false],
      ['ipv4', '10.0.0.1', true],
      ['ipv4', '::1', false],
      ['ipv6', '::1', true],
      ['hostname', 'example.com', true],
      ['hostname', '-bad.example', false],
      ['uri', 'https://example.com/a?b#c', true],
      ['uri', '/relative', false],
      ['uri-reference', '/relative', true],
      ['uri-reference', 'a:b:c', true],
      ['uri-reference', '%zz', false],
      ['uuid', '123e4567-e89b-12d3-a456-426614174000', true],
      ['uuid', '123e4567', false],
      ['regex', '^a+$', true],
      ['regex', '(', false],
      ['json-pointer', '/a/~1b', true],
      ['json-pointer', 'a', false],
      ['relative-json-pointer', '1/a', true],
      ['unknown-format', 'anything', true],
    ];
    for (const [format, value, ok] of formats) {
      const got = match(JSON.stringify(value), { format }) as Value[];
      expect([format, value, got[0]]).toEqual([format, value, ok]);
    }
    expectJSON(match('"x"', { format: 'email' }), [
      false,
      [e('(root)', 'format', "Does not match format 'email'")],
    ]);
    // Formats only constrain strings.
    expectJSON(match('5', { format: 'email' }), [true, []]);
  });

  it('numbers: exact decimal arithmetic and Go number formatting in messages', () => {
    expectJSON(match('0.3', { multipleOf: 0.1 }), [true, []]);
    expectJSON(match('7', { multipleOf: 2 }), [
      false,
      [e('(root)', 'multiple_of', 'Must be a multiple of 2')],
    ]);
    expectJSON(match('5', { minimum: 10, maximum: 1 }), [
      false,
      [
        e('(root)', 'number_lte', 'Must be less than or equal to 1'),
        e('(root)', 'number_gte', 'Must be greater than or equal to 10'),
      ],
    ]);
    expectJSON(match('5', { exclusiveMaximum: 5, exclusiveMinimum: 1000000 }), [
      false,
      [
        e('(root)', 'number_lt', 'Must be less than 5'),
        e('(root)', 'number_gt', 'Must be greater than 1e+06'),
      ],
    ]);
    expectJSON(match('1', { minimum: 1, exclusiveMinimum: true }), [
      false,
      [e('(root)', 'number_gt', 'Must be greater than 1')],
    ]);
    expectJSON(match('0.00001', { minimum: 0.0001 }), [
      false,
      [e('(root)', 'number_gte', 'Must be greater than or equal to 0.0001')],
    ]);
    expectJSON(match('12345678901234567888', '{"maximum": 12345678901234567889}'), [true, []]);
    expectJSON(match('12345678901234567890', { maximum: 12345678901234567889n }), [
      false,
      [e('(root)', 'number_lte', 'Must be less than or equal to 1.2345678901234567889e+19')],
    ]);
  });

  it('combinators: anyOf and oneOf report the closest branch; allOf all failures', () => {
    expectJSON(match('[1]', { anyOf: [{ type: 'string' }, { type: 'array', minItems: 2 }] }), [
      false,
      [
        e('(root)', 'number_any_of', 'Must validate at least one schema (anyOf)'),
        e('(root)', 'array_min_items', 'Array must have at least 2 items'),
      ],
    ]);
    expectJSON(match('5', { oneOf: [{ type: 'integer' }, { minimum: 1 }] }), [
      false,
      [e('(root)', 'number_one_of', 'Must validate one and only one schema (oneOf)')],
    ]);
    expectJSON(match('"a"', { allOf: [{ type: 'integer' }, { maxLength: 0 }] }), [
      false,
      [
        e('(root)', 'invalid_type', 'Invalid type. Expected: integer, given: string'),
        e('(root)', 'string_lte', 'String length must be less than or equal to 0'),
        e('(root)', 'number_all_of', 'Must validate all the schemas (allOf)'),
      ],
    ]);
    expectJSON(match('1', { not: { type: 'integer' } }), [
      false,
      [e('(root)', 'number_not', 'Must not validate the schema (not)')],
    ]);
    expectJSON(
      match('1', '{"if": {"type": "integer"}, "then": {"minimum": 2}, "else": {"type": "string"}}'),
      [
        false,
        [
          e('(root)', 'condition_then', 'Must validate "then" as "if" was valid'),
          e('(root)', 'number_gte', 'Must be greater than or equal to 2'),
        ],
      ],
    );
    // A boolean is not a schema argument (only strings and objects are), but JSON text `false` is.
    expectBuiltinError(() => match('false', false), 'wrong type, expected string or object');
    expectJSON(match('false', 'false'), [false, [e('(root)', 'false', 'False always fails validation')]]);
  });

  it('references: definitions, recursion, $id scopes', () => {
    const tree = {
      $id: 'http://example.com/tree.json',
      type: 'object',
      properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } },
    };
    expectJSON(match({ value: 1, children: [{ value: 2, children: [{ value: 'x' }] }] }, tree), [
      false,
      [e('children.0.children.0.value', 'invalid_type', 'Invalid type. Expected: integer, given: string')],
    ]);
    const scoped = {
      $id: 'http://example.com/root.json',
      definitions: { a: { $id: 'item.json', type: 'string' } },
      properties: { x: { $ref: 'item.json' }, y: { $ref: 'http://example.com/item.json' } },
    };
    expectJSON(match({ x: 'a', y: 1 }, scoped), [
      false,
      [e('y', 'invalid_type', 'Invalid type. Expected: string, given: integer')],
    ]);
    expectJSON(
      match(
        { a: 1 },
        { definitions: { 'a b': { type: 'string' } }, properties: { a: { $ref: '#/definitions/a%20b' } } },
      ),
      [false, [e('a', 'invalid_type', 'Invalid type. Expected: string, given: integer')]],
    );
    expectBuiltinError(
      () => match({}, { $ref: 'http://example.com/other.json' }),
      'remote schema references are not supported: http://example.com/other.json',
    );
  });

  it('enum and const compare JSON values (1 == 1.0)', () => {
    expectJSON(match('1.0', { enum: [1, 'a'] }), [true, []]);
    expectJSON(match('{"b": [1], "a": null}', { const: { a: null, b: [1.0] } }), [true, []]);
    expectJSON(match('"<"', { enum: ['a', 'b'] }), [
      false,
      [e('(root)', 'enum', '(root) must be one of the following: "a", "b"')],
    ]);
  });
});
