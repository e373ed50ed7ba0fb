/**
 * Reads a query or schema document given as a Rego object (the JSON form the `graphql.*`
 * builtins return) back into gqlparser's AST, as OPA does with Go's `json.Unmarshal`: unknown
 * keys are ignored, missing ones take the zero value, and a value of the wrong JSON type is an
 * error worded like Go's (`json: cannot unmarshal number into Go struct field Field.Name of
 * type string`).
 *
 * Two differences from OPA: keys match exactly (Go matches them case-insensitively for most
 * structs), and a selection is read by its keys — an inline fragment has `TypeCondition`, a field
 * has `Alias`, `Arguments` or `SelectionSet`, anything else is a fragment spread — where
 * gqlparser reads every selection as a field, which breaks fragments round-tripped through
 * `graphql.parse_query`.
 */
import {
  isNumber,
  isObject,
  objGet,
  type PlainObject,
  type RegoObject,
  RegoSet,
  type Value,
} from '../value.ts';
import {
  type Argument,
  type ArgumentDefinition,
  type Definition,
  type Directive,
  type DirectiveDefinition,
  type EnumValueDefinition,
  type FieldDefinition,
  type FragmentDefinition,
  GqlError,
  type GqlType,
  type GqlValue,
  type OperationDefinition,
  type QueryDocument,
  type SchemaDefinition,
  type SchemaDocument,
  type Selection,
  type VariableDefinition,
} from './graphql-types.ts';

type Obj = PlainObject | RegoObject;

/** JSON's name for a value's type, as Go's `UnmarshalTypeError` words it. */
function jsonType(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (isNumber(v)) return 'number';
  if (Array.isArray(v) || v instanceof RegoSet) return 'array';
  return 'object';
}

/** Reads the fields of one Go struct from an object. */
class Reader {
  readonly o: Obj;
  readonly struct: string;
  constructor(o: Obj, struct: string) {
    this.o = o;
    this.struct = struct;
  }

  private get(key: string): Value | undefined {
    const v = objGet(this.o, key);
    return v === null ? undefined : v;
  }

  private fail(key: string, v: Value, goType: string): never {
    throw new GqlError(
      `json: cannot unmarshal ${jsonType(v)} into Go struct field ${this.struct}.${key} of type ${goType}`,
    );
  }

  has(key: string): boolean {
    return objGet(this.o, key) !== undefined;
  }

  str(key: string): string {
    const v = this.get(key);
    if (v === undefined) return '';
    if (typeof v !== 'string') this.fail(key, v, 'string');
    return v;
  }

  bool(key: string): boolean {
    const v = this.get(key);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') this.fail(key, v, 'bool');
    return v;
  }

  int(key: string): number {
    const v = this.get(key);
    if (v === undefined) return 0;
    if (!isNumber(v) || !Number.isSafeInteger(Number(v))) this.fail(key, v, 'int');
    return Number(v);
  }

  /** A pointer to a struct: null when absent. */
  ptr<T>(key: string, struct: string, read: (r: Reader) => T): T | null {
    const v = this.get(key);
    if (v === undefined) return null;
    if (!isObject(v)) this.fail(key, v, `*ast.${struct}`);
    return read(new Reader(v, struct));
  }

  /** A slice of struct pointers (or of strings, with `struct` "string"). */
  list<T>(key: string, struct: string, read: (r: Reader, v: Value) => T): T[] {
    const v = this.get(key);
    if (v === undefined) return [];
    const items = v instanceof RegoSet ? v.sorted() : v;
    if (!Array.isArray(items)) this.fail(key, v, `[]*ast.${struct}`);
    return items.map((item) => {
      if (struct === 'string') {
        if (typeof item !== 'string') this.fail(key, item, 'string');
        return read(this, item);
      }
      if (!isObject(item)) this.fail(key, item, `*ast.${struct}`);
      return read(new Reader(item, struct), item);
    });
  }

  strings(key: string): string[] {
    return this.list(key, 'string', (_, v) => v as string);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

function value(r: Reader): GqlValue {
  return {
    Raw: r.str('Raw'),
    Children: r.list('Children', 'ChildValue', (c) => ({
      Name: c.str('Name'),
      Value: c.ptr('Value', 'Value', value),
    })),
    Kind: r.int('Kind'),
  };
}

function type(r: Reader): GqlType {
  return { NamedType: r.str('NamedType'), Elem: r.ptr('Elem', 'Type', type), NonNull: r.bool('NonNull') };
}

function argument(r: Reader): Argument {
  return { Name: r.str('Name'), Value: r.ptr('Value', 'Value', value) };
}

function directives(r: Reader): Directive[] {
  return r.list('Directives', 'Directive', (d) => ({
    Name: d.str('Name'),
    Arguments: d.list('Arguments', 'Argument', argument),
    Location: d.str('Location'),
  }));
}

// ---------------------------------------------------------------------------------------------
// Query documents

function variableDefinition(r: Reader): VariableDefinition {
  return {
    Variable: r.str('Variable'),
    Type: r.ptr('Type', 'Type', type),
    DefaultValue: r.ptr('DefaultValue', 'Value', value),
    Directives: directives(r),
    Used: r.bool('Used'),
  };
}

function selection(r: Reader): Selection {
  if (r.has('TypeCondition')) {
    return {
      kind: 'InlineFragment',
      TypeCondition: r.str('TypeCondition'),
      Directives: directives(r),
      SelectionSet: selectionSet(r),
    };
  }
  if (r.has('Alias') || r.has('Arguments') || r.has('SelectionSet')) {
    return {
      kind: 'Field',
      Alias: r.str('Alias'),
      Name: r.str('Name'),
      Arguments: r.list('Arguments', 'Argument', argument),
      Directives: directives(r),
      SelectionSet: selectionSet(r),
    };
  }
  return { kind: 'FragmentSpread', Name: r.str('Name'), Directives: directives(r) };
}

function selectionSet(r: Reader): Selection[] {
  return r.list('SelectionSet', 'Selection', selection);
}

function operation(r: Reader): OperationDefinition {
  return {
    Operation: r.str('Operation'),
    Name: r.str('Name'),
    VariableDefinitions: r.list('VariableDefinitions', 'VariableDefinition', variableDefinition),
    Directives: directives(r),
    SelectionSet: selectionSet(r),
  };
}

function fragment(r: Reader): FragmentDefinition {
  return {
    Name: r.str('Name'),
    VariableDefinition: r.list('VariableDefinition', 'VariableDefinition', variableDefinition),
    TypeCondition: r.str('TypeCondition'),
    Directives: directives(r),
    SelectionSet: selectionSet(r),
  };
}

/** A query document from its JSON form. */
export function decodeQueryDocument(o: Obj): QueryDocument {
  const r = new Reader(o, 'QueryDocument');
  return {
    Operations: r.list('Operations', 'OperationDefinition', operation),
    Fragments: r.list('Fragments', 'FragmentDefinition', fragment),
  };
}

// ---------------------------------------------------------------------------------------------
// Schema documents

function argumentDefinition(r: Reader): ArgumentDefinition {
  return {
    Description: r.str('Description'),
    Name: r.str('Name'),
    DefaultValue: r.ptr('DefaultValue', 'Value', value),
    Type: r.ptr('Type', 'Type', type),
    Directives: directives(r),
  };
}

function fieldDefinition(r: Reader): FieldDefinition {
  return {
    Description: r.str('Description'),
    Name: r.str('Name'),
    Arguments: r.list('Arguments', 'ArgumentDefinition', argumentDefinition),
    DefaultValue: r.ptr('DefaultValue', 'Value', value),
    Type: r.ptr('Type', 'Type', type),
    Directives: directives(r),
  };
}

function enumValue(r: Reader): EnumValueDefinition {
  return { Description: r.str('Description'), Name: r.str('Name'), Directives: directives(r) };
}

function definition(r: Reader): Definition {
  return {
    Kind: r.str('Kind'),
    Description: r.str('Description'),
    Name: r.str('Name'),
    Directives: directives(r),
    Interfaces: r.strings('Interfaces'),
    Fields: r.list('Fields', 'FieldDefinition', fieldDefinition),
    Types: r.strings('Types'),
    EnumValues: r.list('EnumValues', 'EnumValueDefinition', enumValue),
    BuiltIn: r.bool('BuiltIn'),
  };
}

function directiveDefinition(r: Reader): DirectiveDefinition {
  return {
    Description: r.str('Description'),
    Name: r.str('Name'),
    Arguments: r.list('Arguments', 'ArgumentDefinition', argumentDefinition),
    Locations: r.strings('Locations'),
    IsRepeatable: r.bool('IsRepeatable'),
  };
}

function schemaDefinition(r: Reader): SchemaDefinition {
  return {
    Description: r.str('Description'),
    Directives: directives(r),
    OperationTypes: r.list('OperationTypes', 'OperationTypeDefinition', (o) => ({
      Operation: o.str('Operation'),
      Type: o.str('Type'),
    })),
  };
}

/** A schema document from its JSON form. */
export function decodeSchemaDocument(o: Obj): SchemaDocument {
  const r = new Reader(o, 'SchemaDocument');
  return {
    Schema: r.list('Schema', 'SchemaDefinition', schemaDefinition),
    SchemaExtension: r.list('SchemaExtension', 'SchemaDefinition', schemaDefinition),
    Directives: r.list('Directives', 'DirectiveDefinition', directiveDefinition),
    Definitions: r.list('Definitions', 'Definition', definition),
    Extensions: r.list('Extensions', 'Definition', definition),
  };
}
