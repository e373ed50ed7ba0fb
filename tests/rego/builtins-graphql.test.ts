/**
 * GraphQL family: graphql.parse_query, graphql.parse_schema, graphql.parse,
 * graphql.parse_and_verify, graphql.is_valid, graphql.schema_is_valid. Expectations ported by
 * hand from OPA's conformance cases (v1/test/cases/testdata/v1/graphql/*) and OPA's
 * topdown/graphql.go; the ASTs are gqlparser's structs as JSON, pruned of nulls and empties.
 */
import { describe, expect, it } from 'vitest';
import { register as graphql } from '../../rego/builtins/graphql.ts';
import { createDefaultRegistry } from '../../rego/builtins/index.ts';
import { equal, fromJSON, isObject, objGet, toJSON, type Value } from '../../rego/value.ts';
import {
  callBuiltin,
  evalPolicyX,
  expectJSON,
  expectThrows,
  familyRegistry,
  newCtx,
} from '../support/builtin-harness.ts';

const r = familyRegistry(graphql);
const ctx = newCtx();

/** Calls a builtin with JS literals as its arguments. */
const call = (name: string, ...args: unknown[]): Value | undefined =>
  callBuiltin(
    r,
    name,
    args.map((a) => fromJSON(a)),
    ctx,
  );

/** The builtin's result as plain JSON, for `toMatchObject` and friends. */
const json = (name: string, ...args: unknown[]): unknown => toJSON(call(name, ...args) as Value);

/** A field selection as gqlparser shows it. */
const field = (name: string, extra: Record<string, unknown> = {}) => ({ Alias: name, Name: name, ...extra });

describe('graphql.parse_query', () => {
  it('returns gqlparser’s AST without nulls, empties and positions', () => {
    expectJSON(call('graphql.parse_query', '{hero {name}}'), {
      Operations: [
        { Name: '', Operation: 'query', SelectionSet: [{ ...field('hero'), SelectionSet: [field('name')] }] },
      ],
    });
  });

  it('shows values with their kind and raw text', () => {
    const args = (q: string) =>
      (json('graphql.parse_query', q) as { Operations: { SelectionSet: { Arguments: unknown[] }[] }[] })
        .Operations[0]!.SelectionSet[0]!.Arguments;
    expect(args('{ f(id: null) }')).toEqual([{ Name: 'id', Value: { Kind: 6, Raw: 'null' } }]);
    expect(args('{ f(long: """long""", short: "short") }')).toEqual([
      { Name: 'long', Value: { Kind: 4, Raw: 'long' } },
      { Name: 'short', Value: { Kind: 3, Raw: 'short' } },
    ]);
    expect(args('{ f(id: [1,2]) }')).toEqual([
      {
        Name: 'id',
        Value: {
          Children: [
            { Name: '', Value: { Kind: 1, Raw: '1' } },
            { Name: '', Value: { Kind: 1, Raw: '2' } },
          ],
          Kind: 8,
          Raw: '',
        },
      },
    ]);
    expect(args('{ field(complex: { a: { b: [ $var ] } }) }')).toEqual([
      {
        Name: 'complex',
        Value: {
          Children: [
            {
              Name: 'a',
              Value: {
                Children: [
                  {
                    Name: 'b',
                    Value: { Children: [{ Name: '', Value: { Kind: 0, Raw: 'var' } }], Kind: 8, Raw: '' },
                  },
                ],
                Kind: 9,
                Raw: '',
              },
            },
          ],
          Kind: 9,
          Raw: '',
        },
      },
    ]);
    expect(args('{ f(a: 1.5, b: ENUM, c: true, d: "Has a ਊ multi-byte character.") }')).toEqual([
      { Name: 'a', Value: { Kind: 2, Raw: '1.5' } },
      { Name: 'b', Value: { Kind: 7, Raw: 'ENUM' } },
      { Name: 'c', Value: { Kind: 5, Raw: 'true' } },
      { Name: 'd', Value: { Kind: 3, Raw: 'Has a ਊ multi-byte character.' } },
    ]);
  });

  it('shows variable definitions, with their types', () => {
    expectJSON(call('graphql.parse_query', 'query ($string: String, $arr: [Arr], $notnull: [Arr!]!) { f }'), {
      Operations: [
        {
          Name: '',
          Operation: 'query',
          SelectionSet: [field('f')],
          VariableDefinitions: [
            { Type: { NamedType: 'String', NonNull: false }, Used: false, Variable: 'string' },
            {
              Type: { Elem: { NamedType: 'Arr', NonNull: false }, NamedType: '', NonNull: false },
              Used: false,
              Variable: 'arr',
            },
            {
              Type: { Elem: { NamedType: 'Arr', NonNull: true }, NamedType: '', NonNull: true },
              Used: false,
              Variable: 'notnull',
            },
          ],
        },
      ],
    });
  });

  it('shows fragments, spreads, inline fragments and directives', () => {
    expectJSON(
      call(
        'graphql.parse_query',
        'query Foo($flag: Boolean!) { ...Bar ... on Query @skip(if: $flag) { x } } fragment Bar on Query { bar @include(if: $flag) }',
      ),
      {
        Fragments: [
          {
            Name: 'Bar',
            SelectionSet: [
              field('bar', {
                Directives: [
                  {
                    Arguments: [{ Name: 'if', Value: { Kind: 0, Raw: 'flag' } }],
                    Location: '',
                    Name: 'include',
                  },
                ],
              }),
            ],
            TypeCondition: 'Query',
          },
        ],
        Operations: [
          {
            Name: 'Foo',
            Operation: 'query',
            SelectionSet: [
              { Name: 'Bar' },
              {
                Directives: [
                  {
                    Arguments: [{ Name: 'if', Value: { Kind: 0, Raw: 'flag' } }],
                    Location: '',
                    Name: 'skip',
                  },
                ],
                SelectionSet: [field('x')],
                TypeCondition: 'Query',
              },
            ],
            VariableDefinitions: [
              { Type: { NamedType: 'Boolean', NonNull: true }, Used: false, Variable: 'flag' },
            ],
          },
        ],
      },
    );
  });

  it('accepts fragment variables (singular `VariableDefinition`) and keywords as names', () => {
    expectJSON(call('graphql.parse_query', 'fragment a($v: Boolean = false) on t { f(v: $v) }'), {
      Fragments: [
        {
          Name: 'a',
          SelectionSet: [field('f', { Arguments: [{ Name: 'v', Value: { Kind: 0, Raw: 'v' } }] })],
          TypeCondition: 't',
          VariableDefinition: [
            {
              DefaultValue: { Kind: 5, Raw: 'false' },
              Type: { NamedType: 'Boolean', NonNull: false },
              Used: false,
              Variable: 'v',
            },
          ],
        },
      ],
    });
    const ast = json(
      'graphql.parse_query',
      'query on { ... a ... on on { field } } fragment a on Type { on(on: $on) }',
    );
    expect(ast).toMatchObject({
      Operations: [{ Name: 'on', SelectionSet: [{ Name: 'a' }, { TypeCondition: 'on' }] }],
      Fragments: [{ Name: 'a', SelectionSet: [{ Alias: 'on', Arguments: [{ Name: 'on' }] }] }],
    });
  });

  it('handles the kitchen sink: every operation type, aliases, block strings', () => {
    const ast = json(
      'graphql.parse_query',
      `query queryName($foo: ComplexType, $site: Site = MOBILE) {
        whoever123is: node(id: [123, 456]) { id , ... on User @defer { field2 { id } } ... { id } }
      }
      mutation likeStory { like(story: 123) @defer { story { id } } }
      subscription StoryLikeSubscription($input: StoryLikeSubscribeInput) { storyLikeSubscribe(input: $input) { story } }
      fragment frag on Friend { foo(obj: {key: "value", block: """
          block string uses \\"""
      """}) }
      { unnamed(truthy: true, falsey: false, nullish: null), query }`,
    ) as { Operations: { Operation: string; Name: string; SelectionSet: Record<string, unknown>[] }[] };
    expect(ast.Operations.map((o) => [o.Operation, o.Name])).toEqual([
      ['query', 'queryName'],
      ['mutation', 'likeStory'],
      ['subscription', 'StoryLikeSubscription'],
      ['query', ''],
    ]);
    expect(ast.Operations[0]!.SelectionSet[0]).toMatchObject({ Alias: 'whoever123is', Name: 'node' });
    expect(ast.Operations[0]!.SelectionSet[0]!.SelectionSet).toMatchObject([
      { Alias: 'id' },
      { Directives: [{ Name: 'defer' }], TypeCondition: 'User' },
      { TypeCondition: '' },
    ]);
    expect(ast).toMatchObject({
      Fragments: [
        {
          SelectionSet: [
            {
              Arguments: [
                {
                  Value: {
                    Children: [
                      { Name: 'key' },
                      { Name: 'block', Value: { Kind: 4, Raw: 'block string uses """' } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('returns an empty object for an empty document', () => {
    expectJSON(call('graphql.parse_query', ''), {});
    expectJSON(call('graphql.parse_query', '  # only a comment\n'), {});
  });

  it.each([
    ['{', 'Expected Name, found <EOF> in GraphQL string at location 1:2'],
    [
      '\n  { ...MissingOn }\n  fragment MissingOn Type\n',
      'Expected "on", found Name "Type" in GraphQL string at location 3:22',
    ],
    ['{ field: {} }', 'Expected Name, found { in GraphQL string at location 1:10'],
    ['notanoperation Foo { field }', 'Unexpected Name "notanoperation" in GraphQL string at location 1:1'],
    ['...', 'Unexpected ... in GraphQL string at location 1:1'],
    [
      'query Foo($x: Complex = { a: { b: [ $var ] } }) { field }',
      'Unexpected $ in GraphQL string at location 1:37',
    ],
    ['fragment on on on { on }', 'Unexpected Name "on" in GraphQL string at location 1:10'],
    ['{ ...on }', 'Expected Name, found } in GraphQL string at location 1:9'],
    ['{__typename{...}}', 'Expected {, found } in GraphQL string at location 1:16'],
    [
      '{...{__typename{...{}}}}',
      'expected at least one definition, found } in GraphQL string at location 1:21',
    ],
    ['query Q() { a }', 'expected at least one definition, found ) in GraphQL string at location 1:9'],
    // gqlparser's query grammar has no type definitions and no descriptions; strings are placed
    // after their opening quote.
    ['type Foo { a: Int }', 'Unexpected Name "type" in GraphQL string at location 1:1'],
    ['"desc" query { a }', 'Unexpected String "desc" in GraphQL string at location 1:2'],
    ['{ a(x: "unterminated) }', 'Unexpected <Invalid> in GraphQL string at location 1:24'],
  ])('reports syntax errors as OPA does: %j', (query, message) => {
    expectThrows(() => call('graphql.parse_query', query), 'eval_builtin_error', message);
  });

  it('takes a string', () => {
    expectThrows(
      () => call('graphql.parse_query', 1),
      'eval_type_error',
      'operand 1 must be string but got number',
    );
  });
});

describe('graphql.parse_schema', () => {
  it('returns gqlparser’s schema AST', () => {
    expectJSON(
      call('graphql.parse_schema', '"Description" type Hello { world(flag: Boolean = true): String }'),
      {
        Definitions: [
          {
            BuiltIn: false,
            Description: 'Description',
            Fields: [
              {
                Arguments: [
                  {
                    DefaultValue: { Kind: 5, Raw: 'true' },
                    Description: '',
                    Name: 'flag',
                    Type: { NamedType: 'Boolean', NonNull: false },
                  },
                ],
                Description: '',
                Name: 'world',
                Type: { NamedType: 'String', NonNull: false },
              },
            ],
            Kind: 'OBJECT',
            Name: 'Hello',
          },
        ],
      },
    );
  });

  it('separates definitions, extensions, schema definitions and directives', () => {
    expectJSON(
      call(
        'graphql.parse_schema',
        `schema { query: Query }
        extend schema @directive
        directive @foo repeatable on FIELD | QUERY
        union Hello = | Wo | Rld
        enum E { WO, RLD }
        extend type Hello implements Greeting`,
      ),
      {
        Schema: [{ Description: '', OperationTypes: [{ Operation: 'query', Type: 'Query' }] }],
        SchemaExtension: [{ Description: '', Directives: [{ Location: '', Name: 'directive' }] }],
        Directives: [{ Description: '', IsRepeatable: true, Locations: ['FIELD', 'QUERY'], Name: 'foo' }],
        Definitions: [
          { BuiltIn: false, Description: '', Kind: 'UNION', Name: 'Hello', Types: ['Wo', 'Rld'] },
          {
            BuiltIn: false,
            Description: '',
            EnumValues: [
              { Description: '', Name: 'WO' },
              { Description: '', Name: 'RLD' },
            ],
            Kind: 'ENUM',
            Name: 'E',
          },
        ],
        Extensions: [
          { BuiltIn: false, Description: '', Interfaces: ['Greeting'], Kind: 'OBJECT', Name: 'Hello' },
        ],
      },
    );
  });

  it('shows every kind of definition', () => {
    const ast = json(
      'graphql.parse_schema',
      `"""
      Block description
      """
      interface IA { id: ID! }
      type A implements & IA & IB { id: ID! }
      input In { world: [String] = ["x"] }
      scalar S`,
    ) as { Definitions: Record<string, unknown>[] };
    expect(ast.Definitions.map((d) => [d.Kind, d.Name, d.Description])).toEqual([
      ['INTERFACE', 'IA', 'Block description'],
      ['OBJECT', 'A', ''],
      ['INPUT_OBJECT', 'In', ''],
      ['SCALAR', 'S', ''],
    ]);
    expect(ast.Definitions[1]).toMatchObject({ Interfaces: ['IA', 'IB'] });
    expect(ast.Definitions[2]).toMatchObject({
      Fields: [{ DefaultValue: { Kind: 8 }, Type: { Elem: { NamedType: 'String' }, NamedType: '' } }],
    });
  });

  it.each([
    ['type Hello {}', 'expected at least one definition, found } in GraphQL string at location 1:13'],
    ['enum Hello {}', 'expected at least one definition, found } in GraphQL string at location 1:13'],
    ['input Hello {}', 'expected at least one definition, found } in GraphQL string at location 1:14'],
    ['extend type Hello', 'Unexpected <EOF> in GraphQL string at location 1:18'],
    ['extend schema', 'Unexpected <EOF> in GraphQL string at location 1:14'],
    [
      '\n  "Description"\n  extend type Hello {\n    world: String\n  }\n',
      'Unexpected String "Description" in GraphQL string at location 2:4',
    ],
    [
      '\n  extend "Description" type Hello {\n    world: String\n  }\n',
      'Unexpected String "Description" in GraphQL string at location 2:11',
    ],
    ['union Hello = || Wo | Rld', 'Expected Name, found | in GraphQL string at location 1:16'],
    ['union Hello = | Wo | Rld |', 'Expected Name, found <EOF> in GraphQL string at location 1:27'],
    ['input Hello {\n  world(foo: Int): String\n}', 'Expected :, found ( in GraphQL string at location 2:8'],
    [
      'directive @foo on FIELD | INCORRECT_LOCATION',
      'Unexpected Name "INCORRECT_LOCATION" in GraphQL string at location 1:27',
    ],
    ['type o{d(g:[', 'Expected Name, found <EOF> in GraphQL string at location 1:13'],
    ['"""\r', 'Unexpected <Invalid> in GraphQL string at location 2:1'],
    ['query Q { a }', 'Unexpected Name "query" in GraphQL string at location 1:1'],
  ])('reports syntax errors as OPA does: %j', (schema, message) => {
    expectThrows(() => call('graphql.parse_schema', schema), 'eval_builtin_error', message);
  });
});

describe('graphql.schema_is_valid', () => {
  it.each([
    // gqlparser's rules: no query type needed; extending an undefined type defines it.
    ['type Hello { world: String }', true],
    ['extend type Hello { world: String }', true],
    ['extend type User { id: ID! }\nunion _Entity = User\nextend type Query { entity: _Entity }', true],
    ['type T { f: String @deprecated }\nenum E { ALPHA @deprecated }', true],
    ['enum Hello { WO, RLD }', true],
    ['scalar Hello', true],
    ['input Hello { world: String }', true],
    ['directive @foo repeatable on FIELD', true],
    [
      'type Query { x: Int }\ndirective @directive(a: String = "b") on SCHEMA\nextend schema @directive',
      true,
    ],
    ['type Hello {}', false],
    ['extend type Hello implements Greeting', false],
    ['extend scalar Foo @deprecated\nextend type Foo @deprecated', false],
    ['schema { query: Query }', false],
    ['extend schema { mutation: Mutation }', false],
    ['type Hello implements World { field: String }', false],
    [
      'interface IA { id: ID! }\ninterface IIA implements IA { id: ID! }\ntype A implements IIA { id: ID! }',
      false,
    ],
    ['union Hello = World', false],
    ['type Pupil { f: [Pupil] }\ninput PupilInput { friends: [Pupil] }', false],
    ['type A { a: Int } type A { b: Int }', false],
  ])('%j → %s', (schema, valid) => {
    expect(call('graphql.schema_is_valid', schema)).toBe(valid);
  });

  it('accepts schema ASTs, and is false for other types', () => {
    const ast = call(
      'graphql.parse_schema',
      'schema { query: Query } type Query { employeeByID(id: String): Int }',
    );
    expect(call('graphql.schema_is_valid', ast)).toBe(true);
    expect(call('graphql.schema_is_valid', 1)).toBe(false);
  });
});

const FEDERATED = `
  extend type User { id: ID! }
  extend type Product { upc: String! }
  union _Entity = Product | User
  extend type Query { entity: _Entity }`;

const ACTIONS = `
  extend type Query { myAction(myEnum: Locale!): SomeResult! }
  type SomeResult { id: String }
  enum Locale { EN LT DE }`;

const MISSING_ARG = `
  query SomeOperation {
    # Note: Not providing mandatory parameter: (myEnum: Locale!)
    myAction {
      id
    }
  }`;

describe('graphql.is_valid', () => {
  it.each([
    ['{ entity { ... on User { id } } }', FEDERATED, true],
    [MISSING_ARG, ACTIONS, false],
    ['query SomeOperation ($locale: Locale! = DE) { myAction(myEnum: $locale) { id } }', ACTIONS, true],
    ['', 'type T { f: String @deprecated }', true],
    [
      'query Foo($flag: Boolean!) { ...Bar } fragment Bar on Query { bar @include(if: $flag) }',
      'type Query { bar: String! }',
      true,
    ],
    ['mutation{x(a:b)}', 'type Query { bar: String! } type Mutation { x: String! }', false],
    ['mutation { x }', 'type Query { bar: String! }', false], // no mutation root (gqlparser's KnownRootType)
    [
      '{ ...F } fragment F on Query { bar } fragment G on Query { bar }',
      'type Query { bar: String! }',
      false,
    ],
  ])('%j', (query, schema, valid) => {
    expect(call('graphql.is_valid', query, schema)).toBe(valid);
  });

  it('accepts ASTs, including ones written by hand', () => {
    const schema = call(
      'graphql.parse_schema',
      'type Employee { id: String! salary: Int! } schema { query: Query } type Query { employeeByID(id: String): Employee }',
    );
    const query = call('graphql.parse_query', 'query { employeeByID(id: "alice") { salary }}');
    expect(call('graphql.is_valid', query, schema)).toBe(true);
    const handWritten = {
      Operations: [
        {
          Name: '',
          Operation: 'mutation',
          SelectionSet: [{ Alias: 'x', Arguments: [{ Name: 'a', Value: { Kind: 7, Raw: 'b' } }], Name: 'x' }],
        },
      ],
    };
    const schemaAst = {
      Definitions: [
        {
          Kind: 'OBJECT',
          Name: 'Query',
          Fields: [{ Name: 'bar', Type: { NamedType: 'String', NonNull: true } }],
        },
        {
          Kind: 'OBJECT',
          Name: 'Mutation',
          Fields: [{ Name: 'x', Type: { NamedType: 'String', NonNull: true } }],
        },
      ],
    };
    expect(call('graphql.is_valid', handWritten, schemaAst)).toBe(false);
    expect(
      call(
        'graphql.is_valid',
        {
          ...handWritten,
          Operations: [{ Operation: 'mutation', SelectionSet: [{ Alias: 'x', Name: 'x' }] }],
        },
        schemaAst,
      ),
    ).toBe(true);
  });

  it('reads fragments back from ASTs (where OPA reads every selection as a field)', () => {
    const schema =
      'type Query { hero: Character } interface Character { name: String } type Human implements Character { name: String height: Int }';
    const query = call(
      'graphql.parse_query',
      '{ hero { ...N ... on Human { height } } } fragment N on Character { name }',
    );
    expect(call('graphql.is_valid', query, schema)).toBe(true);
  });

  it('is false for malformed input rather than an error', () => {
    expect(call('graphql.is_valid', '{', 'type Query { a: Int }')).toBe(false);
    expect(call('graphql.is_valid', '{ a }', 'type Query {')).toBe(false);
    expect(call('graphql.is_valid', 1, 'type Query { a: Int }')).toBe(false);
    expect(call('graphql.is_valid', { Operations: 'x' }, 'type Query { a: Int }')).toBe(false);
  });
});

describe('graphql.parse and graphql.parse_and_verify', () => {
  it('return both ASTs for a valid query', () => {
    const [q, s] = call('graphql.parse', '{ entity { ... on User { id } } }', FEDERATED) as Value[];
    expectJSON(q, {
      Operations: [
        {
          Name: '',
          Operation: 'query',
          SelectionSet: [
            { ...field('entity'), SelectionSet: [{ SelectionSet: [field('id')], TypeCondition: 'User' }] },
          ],
        },
      ],
    });
    expect(isObject(s as Value) && objGet(s as never, 'Extensions')).toBeTruthy();
    const verified = call(
      'graphql.parse_and_verify',
      '{ entity { ... on User { id } } }',
      FEDERATED,
    ) as Value[];
    expect(verified[0]).toBe(true);
    expect(equal(verified[1] as Value, q as Value) && equal(verified[2] as Value, s as Value)).toBe(true);
  });

  it('round-trip ASTs given as objects', () => {
    const schema = call('graphql.parse_schema', 'type Query { employeeByID(id: String): Int }') as Value;
    const query = call('graphql.parse_query', 'query { employeeByID(id: "alice") }') as Value;
    expectJSON(call('graphql.parse', query, schema), [query, schema]);
    expectJSON(call('graphql.parse_and_verify', query, schema), [true, query, schema]);
  });

  it('graphql.parse reports the first validation error with OPA’s wording', () => {
    expectThrows(
      () => call('graphql.parse', MISSING_ARG, ACTIONS),
      'eval_builtin_error',
      'Field "myAction" argument "myEnum" of type "Locale!" is required, but it was not provided in GraphQL query string at location 4:5',
    );
    expectThrows(
      () => call('graphql.parse', '{ a }', 'type Query { a: Foo }'),
      'eval_builtin_error',
      'Error in gqlparser SchemaDocument to Schema conversion: input:1:17: Undefined type Foo.',
    );
    expectThrows(
      () => call('graphql.parse', { Operations: [{ Name: 5 }] }, 'type Query { a: Int }'),
      'eval_builtin_error',
      'json: cannot unmarshal number into Go struct field OperationDefinition.Name of type string',
    );
    expectThrows(
      () => call('graphql.parse', 1, 'type Query { a: Int }'),
      'eval_type_error',
      'operand 1 must be one of {string, object} but got number',
    );
  });

  it('graphql.parse_and_verify returns [false, {}, {}] instead', () => {
    expectJSON(call('graphql.parse_and_verify', MISSING_ARG, ACTIONS), [false, {}, {}]);
    expectJSON(call('graphql.parse_and_verify', '{', ACTIONS), [false, {}, {}]);
    expectJSON(call('graphql.parse_and_verify', 1, ACTIONS), [false, {}, {}]);
  });
});

describe('in policies', () => {
  const registry = createDefaultRegistry();
  const evalRego = (body: string): Value | undefined => evalPolicyX(registry, body);

  it('replaces the unsupported placeholders in the default registry', () => {
    expect(registry.get('graphql.parse')?.unsupported).toBeUndefined();
    expect(
      evalRego(`
schema := \`type Query { bar: String! }\`
x := [graphql.is_valid("{ bar }", schema), graphql.is_valid("{ baz }", schema)]`),
    ).toEqual([true, false]);
  });

  it('unifies with the ASTs', () => {
    expect(
      evalRego(`
x if {
  [valid, ast, _] = graphql.parse_and_verify("query Foo { bar }", "type Query { bar: String! }")
  valid
  ast.Operations[0].Name == "Foo"
}`),
    ).toBe(true);
  });
});
