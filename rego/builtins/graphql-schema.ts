/**
 * gqlparser's `ValidateSchemaDocument`, which OPA runs on every schema (merged with gqlparser's
 * prelude) before it validates a query: it turns a schema document into a {@link Schema} or
 * fails with gqlparser's first error.
 *
 * Its rules are gqlparser's, not graphql-js's: a schema needs no query type; extending a type
 * that is not defined defines it; every type, interface, union member and directive used must
 * exist; object and interface types need fields, enums values, input objects input fields;
 * implementations must match their interfaces (and their interfaces' interfaces); input object
 * fields must be input types; and names must not start with `__`. The input documents are not
 * modified.
 */
import { preludeDocument } from './graphql-prelude.ts';
import {
  validateDirectiveDefinitions,
  validateDirectives,
  validateInputObjectCircularRefs,
  validateTypeDefinitions,
} from './graphql-schema-rules.ts';
import { type Definition, GqlError, type Schema, type SchemaDocument } from './graphql-types.ts';

const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy', 'defer', 'oneOf']);

/** Validates `doc` (with gqlparser's prelude) and returns the schema it defines. */
export function validateSchemaDocument(doc: SchemaDocument): Schema {
  const prelude = preludeDocument();
  const sd: SchemaDocument = {
    Schema: [...prelude.Schema, ...doc.Schema],
    SchemaExtension: [...prelude.SchemaExtension, ...doc.SchemaExtension],
    Directives: [...prelude.Directives, ...doc.Directives],
    Definitions: [...prelude.Definitions, ...doc.Definitions],
    Extensions: [...prelude.Extensions, ...doc.Extensions],
  };
  const schema: Schema = {
    types: new Map(),
    directives: new Map(),
    possibleTypes: new Map(),
    query: undefined,
    mutation: undefined,
    subscription: undefined,
  };

  const defs: Definition[] = [];
  for (const d of sd.Definitions) {
    if (schema.types.has(d.Name)) throw new GqlError(`Cannot redeclare type ${d.Name}.`, d.Position);
    // A copy, since extensions add to its lists.
    const def: Definition = {
      ...d,
      Directives: [...d.Directives],
      Interfaces: [...d.Interfaces],
      Fields: [...d.Fields],
      Types: [...d.Types],
      EnumValues: [...d.EnumValues],
    };
    schema.types.set(d.Name, def);
    defs.push(def);
  }
  for (const ext of sd.Extensions) {
    let def = schema.types.get(ext.Name);
    if (!def) {
      def = { ...emptyDefinition(ext.Kind, ext.Name), Position: ext.Position };
      schema.types.set(ext.Name, def);
      defs.push(def);
    }
    if (def.Kind !== ext.Kind) {
      throw new GqlError(
        `Cannot extend type ${ext.Name} because the base type is a ${def.Kind}, not ${ext.Kind}.`,
        ext.Position,
      );
    }
    def.Directives.push(...ext.Directives);
    def.Interfaces.push(...ext.Interfaces);
    def.Fields.push(...ext.Fields);
    def.Types.push(...ext.Types);
    def.EnumValues.push(...ext.EnumValues);
  }

  const addPossibleType = (name: string, def: Definition | undefined): void => {
    if (!def) return;
    const list = schema.possibleTypes.get(name) ?? [];
    list.push(def);
    schema.possibleTypes.set(name, list);
  };
  for (const def of defs) {
    if (def.Kind === 'UNION') {
      for (const t of def.Types) addPossibleType(def.Name, schema.types.get(t));
    } else if (def.Kind === 'OBJECT' || def.Kind === 'INPUT_OBJECT' || def.Kind === 'INTERFACE') {
      for (const i of def.Interfaces) addPossibleType(i, def);
      if (def.Kind !== 'INTERFACE') addPossibleType(def.Name, def);
    }
  }

  for (const dir of sd.Directives) {
    if (schema.directives.has(dir.Name)) {
      // Builtin directives may be redefined; the first definition (the prelude's) is kept.
      if (BUILTIN_DIRECTIVES.has(dir.Name)) continue;
      throw new GqlError(`Cannot redeclare directive ${dir.Name}.`, dir.Position);
    }
    schema.directives.set(dir.Name, dir);
  }

  if (sd.Schema.length > 1) {
    throw new GqlError(
      'Cannot have multiple schema entry points, consider schema extensions instead.',
      sd.Schema[1]?.Position,
    );
  }
  for (const entry of [...sd.Schema, ...sd.SchemaExtension]) {
    for (const op of entry.OperationTypes) {
      const def = schema.types.get(op.Type);
      if (!def) {
        throw new GqlError(
          `Schema root ${op.Operation} refers to a type ${op.Type} that does not exist.`,
          op.Position,
        );
      }
      if (op.Operation === 'query') schema.query = def;
      else if (op.Operation === 'mutation') schema.mutation = def;
      else if (op.Operation === 'subscription') schema.subscription = def;
    }
    validateDirectives(schema, entry.Directives, 'SCHEMA', undefined, true);
  }

  validateTypeDefinitions(schema);
  validateInputObjectCircularRefs(schema);
  validateDirectiveDefinitions(schema);

  // Root types are inferred from their names only when there is no `schema` definition.
  if (sd.Schema.length === 0) {
    schema.query ??= schema.types.get('Query');
    schema.mutation ??= schema.types.get('Mutation');
    schema.subscription ??= schema.types.get('Subscription');
  }
  return schema;
}

function emptyDefinition(Kind: string, Name: string): Definition {
  return {
    Kind,
    Description: '',
    Name,
    Directives: [],
    Interfaces: [],
    Fields: [],
    Types: [],
    EnumValues: [],
    BuiltIn: false,
  };
}
