/**
 * GraphQL builtins: `graphql.parse`, `graphql.parse_and_verify`, `graphql.parse_query`,
 * `graphql.parse_schema`, `graphql.is_valid` and `graphql.schema_is_valid`.
 *
 * OPA implements them (topdown/graphql.go) with the Go library gqlparser and returns its AST as
 * JSON; so does this family, on top of graphql-js: documents are parsed by graphql-js and
 * converted to gqlparser's AST (graphql-parse.ts, graphql-ast.ts, with gqlparser's syntax error
 * messages), schemas are checked by a port of gqlparser's schema validation (graphql-schema.ts,
 * with gqlparser's prelude of built-in types and directives), and queries are validated by
 * graphql-js's rules against the schema rebuilt for graphql-js (graphql-validate.ts).
 *
 * Queries and schemas may be strings or ASTs as returned by `graphql.parse_query` /
 * `graphql.parse_schema` (read back as OPA does: graphql-decode.ts), except for those two,
 * which take strings. Errors read as OPA's: `<message> in GraphQL string at location L:C` for a
 * syntax error, `<message> in GraphQL query string at location L:C` for a query that does not
 * validate, `Error in gqlparser SchemaDocument to Schema conversion: input:L:C: <message>` for an
 * invalid schema. `parse_and_verify`, `is_valid` and `schema_is_valid` report failure in their
 * result instead of raising errors.
 */
import type { GraphQLSchema } from 'graphql';
import { emptyObject, isObject, type Value } from '../value.ts';
import { decodeQueryDocument, decodeSchemaDocument } from './graphql-decode.ts';
import { parseQuery, parseSchema } from './graphql-parse.ts';
import { validateSchemaDocument } from './graphql-schema.ts';
import {
  GqlError,
  type QueryDocument,
  type Schema,
  type SchemaDocument,
  toRegoValue,
} from './graphql-types.ts';
import { buildGraphQLSchema, validateQuery } from './graphql-validate.ts';
import { argString, type BuiltinRegistry, builtinError, typeError } from './registry.ts';

/** A schema document and what is derived from it, computed on demand and kept. */
class CompiledSchema {
  readonly doc: SchemaDocument;
  private value: Value | undefined;
  private checked: Schema | GqlError | undefined;
  private graphql: GraphQLSchema | undefined;

  constructor(doc: SchemaDocument) {
    this.doc = doc;
  }

  /** The AST as the builtins return it. */
  ast(): Value {
    this.value ??= toRegoValue(this.doc);
    return this.value;
  }

  /** The schema gqlparser's validation makes of the document (with its prelude). */
  schema(): Schema {
    if (this.checked === undefined) {
      try {
        this.checked = validateSchemaDocument(this.doc);
      } catch (e) {
        if (!(e instanceof GqlError)) throw e;
        this.checked = e;
      }
    }
    if (this.checked instanceof GqlError) {
      throw new GqlError(`Error in gqlparser SchemaDocument to Schema conversion: ${this.checked.goText()}`);
    }
    return this.checked;
  }

  /** The schema, built for graphql-js's validator. */
  graphqlSchema(): GraphQLSchema {
    if (!this.graphql) {
      const schema = this.schema();
      try {
        this.graphql = buildGraphQLSchema(schema);
      } catch (e) {
        // Only an AST given as an object can be this malformed (say, a field without a type).
        throw new GqlError(
          `Error in gqlparser SchemaDocument to Schema conversion: input: ${(e as Error).message}`,
        );
      }
    }
    return this.graphql;
  }
}

/** Schemas given as strings, most recently used last: policies tend to check many queries
 * against the same schema. */
const schemaCache = new Map<string, CompiledSchema | GqlError>();
const SCHEMA_CACHE_SIZE = 16;

function compileSchemaText(text: string): CompiledSchema {
  let entry = schemaCache.get(text);
  if (entry === undefined) {
    try {
      entry = new CompiledSchema(parseSchema(text));
    } catch (e) {
      entry = syntaxError(e);
    }
    if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.delete(schemaCache.keys().next().value as string);
  } else {
    schemaCache.delete(text);
  }
  schemaCache.set(text, entry);
  if (entry instanceof GqlError) throw entry;
  return entry;
}

/** OPA's wording for a syntax error. */
function syntaxError(e: unknown): GqlError {
  if (!(e instanceof GqlError)) throw e;
  return new GqlError(
    e.pos
      ? `${e.message} in GraphQL string at location ${e.pos.line}:${e.pos.column}`
      : `GraphQL parse error: ${e.goText()}`,
  );
}

function queryText(text: string): QueryDocument {
  try {
    return parseQuery(text);
  } catch (e) {
    throw syntaxError(e);
  }
}

/** The query operand: a string or an AST object; undefined for other types. */
function queryOperand(v: Value): QueryDocument | undefined {
  if (typeof v === 'string') return queryText(v);
  if (isObject(v)) return decodeQueryDocument(v);
  return undefined;
}

/** The schema operand: a string or an AST object; undefined for other types. */
function schemaOperand(v: Value): CompiledSchema | undefined {
  if (typeof v === 'string') return compileSchemaText(v);
  if (isObject(v)) return new CompiledSchema(decodeSchemaDocument(v));
  return undefined;
}

/** Validates the query; OPA's wording for a failure. */
function verify(schema: CompiledSchema, query: QueryDocument): void {
  const graphqlSchema = schema.graphqlSchema();
  try {
    validateQuery(graphqlSchema, query);
  } catch (e) {
    if (!(e instanceof GqlError)) throw e;
    const message = e.message.replace(/\.$/, '');
    // A query given as an AST object has no positions.
    throw new GqlError(
      e.pos
        ? `${message} in GraphQL query string at location ${e.pos.line}:${e.pos.column}`
        : `GraphQL parse error: input: ${e.message}`,
    );
  }
}

/** Runs `fn`, turning gqlparser errors into builtin errors. */
function reporting<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GqlError) builtinError(e.message);
    throw e;
  }
}

/** Runs `fn`; a gqlparser error means `fallback`. */
function orElse<T>(fallback: T, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof GqlError) return fallback;
    throw e;
  }
}

/** `graphql.parse_and_verify`'s result for a query that does not verify. */
const unverified = (): Value => [false, emptyObject(), emptyObject()];

export function register(r: BuiltinRegistry): void {
  r.def('graphql.parse_query', 1, 'graphql', (args) =>
    reporting(() => toRegoValue(queryText(argString(args, 0)))),
  );

  r.def('graphql.parse_schema', 1, 'graphql', (args) =>
    reporting(() => compileSchemaText(argString(args, 0)).ast()),
  );

  r.def('graphql.parse', 2, 'graphql', ([q, s]) =>
    reporting(() => {
      const query = queryOperand(q as Value) ?? typeError(1, 'one of {string, object}', q as Value);
      const schema = schemaOperand(s as Value) ?? typeError(2, 'one of {string, object}', s as Value);
      verify(schema, query);
      return [toRegoValue(query), schema.ast()];
    }),
  );

  r.def('graphql.parse_and_verify', 2, 'graphql', ([q, s]) =>
    orElse<Value>(unverified(), () => {
      const query = queryOperand(q as Value);
      const schema = query && schemaOperand(s as Value);
      if (!query || !schema) return unverified();
      verify(schema, query);
      return [true, toRegoValue(query), schema.ast()];
    }),
  );

  r.def('graphql.is_valid', 2, 'graphql', ([q, s]) =>
    orElse(false, () => {
      const query = queryOperand(q as Value);
      const schema = query && schemaOperand(s as Value);
      if (!query || !schema) return false;
      verify(schema, query);
      return true;
    }),
  );

  r.def('graphql.schema_is_valid', 1, 'graphql', ([s]) =>
    orElse(false, () => {
      const schema = schemaOperand(s as Value);
      if (!schema) return false;
      schema.schema();
      return true;
    }),
  );
}
