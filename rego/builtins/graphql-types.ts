/**
 * The GraphQL AST as OPA's `graphql.*` builtins expose it: the structs of the Go library
 * `gqlparser` (package `ast`), field for field, and their JSON form.
 *
 * OPA marshals gqlparser's structs with Go's `encoding/json` and then prunes the result: it
 * drops `Position`, `null`s and (recursively) empty arrays and objects, but keeps empty
 * strings, `false` and `0`. {@link toRegoValue} does the same. The fields gqlparser fills in
 * only during validation (`Definition`, `ObjectDefinition`, `ExpectedType`, …) are always null
 * in OPA's output, so they are not modelled. Neither are two additions of recent gqlparser
 * releases: the `Comment` groups, and `ExpectedTypeHasDefault`, which they emit as `false` on
 * every value. OPA's conformance cases disagree about the latter (the cases updated for
 * gqlparser 2.5.31+ expect it on every value, the older ones, whose error wording this family
 * follows, expect it absent, which is most of them); this family follows the older ones.
 *
 * `Position` is kept on the nodes (not marshalled) so that validation errors can point into
 * the source, as gqlparser's do. Columns count Unicode code points, as gqlparser's do.
 */
import { fromJSON, type Value } from '../value.ts';

/** A place in the source: 1-based line and column, the column counted in code points. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

/** gqlparser's `ValueKind`, the `Kind` of a {@link GqlValue}. */
export const ValueKind = {
  Variable: 0,
  Int: 1,
  Float: 2,
  String: 3,
  Block: 4,
  Boolean: 5,
  Null: 6,
  Enum: 7,
  List: 8,
  Object: 9,
} as const;

export interface GqlValue {
  Raw: string;
  Children: ChildValue[];
  Kind: number;
  Position?: Pos | undefined;
}

/** An element of a list value (`Name` is empty) or a field of an object value. */
export interface ChildValue {
  Name: string;
  Value: GqlValue | null;
  Position?: Pos | undefined;
}

export interface GqlType {
  NamedType: string;
  Elem: GqlType | null;
  NonNull: boolean;
  Position?: Pos | undefined;
}

export interface Argument {
  Name: string;
  Value: GqlValue | null;
  Position?: Pos | undefined;
}

export interface Directive {
  Name: string;
  Arguments: Argument[];
  /** Filled in by gqlparser's validator; always empty in the ASTs the builtins return. */
  Location: string;
  Position?: Pos | undefined;
}

// ---------------------------------------------------------------------------------------------
// Query documents

export interface Field {
  readonly kind: 'Field';
  Alias: string;
  Name: string;
  Arguments: Argument[];
  Directives: Directive[];
  SelectionSet: Selection[];
  Position?: Pos | undefined;
}

export interface FragmentSpread {
  readonly kind: 'FragmentSpread';
  Name: string;
  Directives: Directive[];
  Position?: Pos | undefined;
}

export interface InlineFragment {
  readonly kind: 'InlineFragment';
  TypeCondition: string;
  Directives: Directive[];
  SelectionSet: Selection[];
  Position?: Pos | undefined;
}

export type Selection = Field | FragmentSpread | InlineFragment;

export interface VariableDefinition {
  Variable: string;
  Type: GqlType | null;
  DefaultValue: GqlValue | null;
  Directives: Directive[];
  /** Set by gqlparser's validator; always false in the ASTs the builtins return. */
  Used: boolean;
  Position?: Pos | undefined;
}

export interface OperationDefinition {
  /** `query`, `mutation` or `subscription`. */
  Operation: string;
  Name: string;
  VariableDefinitions: VariableDefinition[];
  Directives: Directive[];
  SelectionSet: Selection[];
  Position?: Pos | undefined;
}

export interface FragmentDefinition {
  Name: string;
  /** gqlparser's (experimental) fragment variables; note the singular name. */
  VariableDefinition: VariableDefinition[];
  TypeCondition: string;
  Directives: Directive[];
  SelectionSet: Selection[];
  Position?: Pos | undefined;
}

export interface QueryDocument {
  Operations: OperationDefinition[];
  Fragments: FragmentDefinition[];
}

// ---------------------------------------------------------------------------------------------
// Schema documents

export interface ArgumentDefinition {
  Description: string;
  Name: string;
  DefaultValue: GqlValue | null;
  Type: GqlType | null;
  Directives: Directive[];
  Position?: Pos | undefined;
}

/** A field of an object or interface type, or an input field of an input object type. */
export interface FieldDefinition {
  Description: string;
  Name: string;
  /** Objects and interfaces only. */
  Arguments: ArgumentDefinition[];
  /** Input objects only. */
  DefaultValue: GqlValue | null;
  Type: GqlType | null;
  Directives: Directive[];
  Position?: Pos | undefined;
}

export interface EnumValueDefinition {
  Description: string;
  Name: string;
  Directives: Directive[];
  Position?: Pos | undefined;
}

/** A type definition or extension. `Kind` is SCALAR, OBJECT, INTERFACE, UNION, ENUM or INPUT_OBJECT. */
export interface Definition {
  Kind: string;
  Description: string;
  Name: string;
  Directives: Directive[];
  Interfaces: string[];
  Fields: FieldDefinition[];
  Types: string[];
  EnumValues: EnumValueDefinition[];
  /** True for the definitions of gqlparser's prelude. */
  BuiltIn: boolean;
  Position?: Pos | undefined;
}

export interface DirectiveDefinition {
  Description: string;
  Name: string;
  Arguments: ArgumentDefinition[];
  Locations: string[];
  IsRepeatable: boolean;
  Position?: Pos | undefined;
}

export interface OperationTypeDefinition {
  Operation: string;
  Type: string;
  Position?: Pos | undefined;
}

/** A `schema { … }` definition or an `extend schema …` extension. */
export interface SchemaDefinition {
  Description: string;
  Directives: Directive[];
  OperationTypes: OperationTypeDefinition[];
  Position?: Pos | undefined;
}

export interface SchemaDocument {
  Schema: SchemaDefinition[];
  SchemaExtension: SchemaDefinition[];
  Directives: DirectiveDefinition[];
  Definitions: Definition[];
  Extensions: Definition[];
}

/** A validated schema (gqlparser's `ast.Schema`): all types and directives by name, and the root types. */
export interface Schema {
  readonly types: Map<string, Definition>;
  readonly directives: Map<string, DirectiveDefinition>;
  /** Interface or union name → the types that implement it or belong to it. */
  readonly possibleTypes: Map<string, Definition[]>;
  query: Definition | undefined;
  mutation: Definition | undefined;
  subscription: Definition | undefined;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** A gqlparser error: its message and, when known, where in the source it arose. */
export class GqlError extends Error {
  readonly pos: Pos | undefined;
  constructor(message: string, pos?: Pos) {
    super(message);
    this.name = 'GqlError';
    this.pos = pos;
  }

  /** gqlparser's `Error()` text: `input:LINE:COL: message` (`input: message` without a place). */
  goText(): string {
    return this.pos ? `input:${this.pos.line}:${this.pos.column}: ${this.message}` : `input: ${this.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON form

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * The JSON Go's `encoding/json` produces for a node (all struct fields, in declaration order;
 * absent pointers as null), without `Position` and the selections' `kind` tag.
 */
function marshal(node: unknown): Json {
  if (node === null || node === undefined) return null;
  if (Array.isArray(node)) return node.map(marshal);
  if (typeof node !== 'object') return node as Json;
  const out: { [k: string]: Json } = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'Position' || k === 'kind') continue;
    out[k] = marshal(v);
  }
  return out;
}

/** OPA's `pruneIrrelevantGraphQLASTNodes`: drops nulls and, recursively, empty arrays/objects. */
function prune(x: Json): Json | undefined {
  if (x === null) return undefined;
  if (Array.isArray(x)) {
    const out = x.map(prune).filter((e): e is Json => e !== undefined);
    return out.length === 0 ? undefined : out;
  }
  if (typeof x === 'object') {
    const out: { [k: string]: Json } = {};
    let n = 0;
    for (const [k, v] of Object.entries(x)) {
      const p = prune(v);
      if (p === undefined) continue;
      out[k] = p;
      n++;
    }
    return n === 0 ? undefined : out;
  }
  return x;
}

/** The Rego value OPA returns for a query or schema document. */
export function toRegoValue(doc: QueryDocument | SchemaDocument): Value {
  return fromJSON(prune(marshal(doc)) ?? {});
}
