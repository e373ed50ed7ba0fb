/**
 * Converts graphql-js documents into gqlparser's AST ({@link QueryDocument},
 * {@link SchemaDocument}), the shape OPA's `graphql.*` builtins return.
 *
 * gqlparser parses executable documents and schema documents with separate grammars; graphql-js
 * parses both with one. The few constructs graphql-js accepts but gqlparser's grammars do not
 * (type definitions in a query, operations in a schema, descriptions on operations, fragments and
 * variables) are rejected here with gqlparser's `Unexpected …` message. Positions follow
 * gqlparser's choices (e.g. a directive is placed at its name, an inline fragment after its `...`).
 */
import {
  type ConstDirectiveNode,
  type DefinitionNode,
  type DirectiveDefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  Kind,
  type NamedTypeNode,
  type OperationTypeDefinitionNode,
  type SchemaDefinitionNode,
  type SchemaExtensionNode,
  type SelectionNode,
  type StringValueNode,
  type Token,
  type TypeDefinitionNode,
  type TypeExtensionNode,
  type TypeNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { goQuote } from './strings-go.ts';
import {
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
  type Pos,
  type QueryDocument,
  type SchemaDefinition,
  type SchemaDocument,
  type Selection,
  ValueKind,
  type VariableDefinition,
} from './graphql-types.ts';

// ---------------------------------------------------------------------------------------------
// Tokens and positions

/** Where a token starts, as gqlparser reports it: columns in code points; string tokens are
 * placed after their opening quote(s), as gqlparser's lexer does. */
export function tokenPos(tok: Token, body: string): Pos {
  const lineStart = tok.start - (tok.column - 1);
  let column = 1;
  for (const _ of body.slice(lineStart, tok.start)) column++;
  if (tok.kind === 'String') column += 1;
  else if (tok.kind === 'BlockString') column += 3;
  return { line: tok.line, column };
}

/** gqlparser's `Token.String()`: the kind, then the quoted value when there is one. */
export function tokenText(tok: Token): string {
  return tok.value ? `${tok.kind} ${goQuote(tok.value)}` : tok.kind;
}

interface Node {
  readonly loc?: { readonly startToken: Token } | undefined;
}

/** Converts the nodes of one document; `body` is its source text (for positions). */
class Converter {
  readonly body: string;
  constructor(body: string) {
    this.body = body;
  }

  pos(node: Node | undefined): Pos | undefined {
    const tok = node?.loc?.startToken;
    return tok ? tokenPos(tok, this.body) : undefined;
  }

  /** The position of the token after the node's first one (gqlparser's choice for some nodes). */
  posAfterFirst(node: Node): Pos | undefined {
    const next = node.loc?.startToken.next;
    return next ? tokenPos(next, this.body) : undefined;
  }

  /** gqlparser's `Unexpected …` error at the node's first token. */
  unexpected(node: Node): never {
    const tok = node.loc?.startToken;
    if (!tok) throw new GqlError('Unexpected definition');
    throw new GqlError(`Unexpected ${tokenText(tok)}`, tokenPos(tok, this.body));
  }

  // -------------------------------------------------------------------------------------------
  // Shared pieces

  value(v: ValueNode): GqlValue {
    const Position = this.pos(v);
    const leaf = (kind: number, raw: string): GqlValue => ({ Raw: raw, Children: [], Kind: kind, Position });
    switch (v.kind) {
      case Kind.VARIABLE:
        return leaf(ValueKind.Variable, v.name.value);
      case Kind.INT:
        return leaf(ValueKind.Int, v.value);
      case Kind.FLOAT:
        return leaf(ValueKind.Float, v.value);
      case Kind.STRING:
        return leaf(v.block ? ValueKind.Block : ValueKind.String, v.value);
      case Kind.BOOLEAN:
        return leaf(ValueKind.Boolean, String(v.value));
      case Kind.NULL:
        return leaf(ValueKind.Null, 'null');
      case Kind.ENUM:
        return leaf(ValueKind.Enum, v.value);
      case Kind.LIST:
        return {
          Raw: '',
          Children: v.values.map((e) => ({ Name: '', Value: this.value(e), Position: this.pos(e) })),
          Kind: ValueKind.List,
          Position,
        };
      case Kind.OBJECT:
        return {
          Raw: '',
          Children: v.fields.map((f) => ({
            Name: f.name.value,
            Value: this.value(f.value),
            Position: this.pos(f),
          })),
          Kind: ValueKind.Object,
          Position,
        };
    }
  }

  type(t: TypeNode): GqlType {
    switch (t.kind) {
      case Kind.NON_NULL_TYPE:
        return { ...this.type(t.type), NonNull: true };
      case Kind.LIST_TYPE:
        return { NamedType: '', Elem: this.type(t.type), NonNull: false, Position: this.posAfterFirst(t) };
      case Kind.NAMED_TYPE:
        return { NamedType: t.name.value, Elem: null, NonNull: false, Position: this.pos(t) };
    }
  }

  directives(ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Directive[] {
    return (ds ?? []).map((d) => ({
      Name: d.name.value,
      Arguments: (d.arguments ?? []).map((a) => ({
        Name: a.name.value,
        Value: this.value(a.value),
        Position: this.pos(a),
      })),
      Location: '',
      Position: this.pos(d.name),
    }));
  }

  description(d: StringValueNode | undefined): string {
    return d?.value ?? '';
  }

  // -------------------------------------------------------------------------------------------
  // Executable documents

  variableDefinitions(vs: readonly VariableDefinitionNode[] | undefined): VariableDefinition[] {
    return (vs ?? []).map((v) => {
      if (v.description) this.unexpected(v);
      return {
        Variable: v.variable.name.value,
        Type: this.type(v.type),
        DefaultValue: v.defaultValue ? this.value(v.defaultValue) : null,
        Directives: this.directives(v.directives),
        Used: false,
        Position: this.pos(v),
      };
    });
  }

  selections(ss: readonly SelectionNode[] | undefined): Selection[] {
    return (ss ?? []).map((s) => this.selection(s));
  }

  selection(s: SelectionNode): Selection {
    switch (s.kind) {
      case Kind.FIELD:
        return {
          kind: 'Field',
          Alias: (s.alias ?? s.name).value,
          Name: s.name.value,
          Arguments: (s.arguments ?? []).map((a) => ({
            Name: a.name.value,
            Value: this.value(a.value),
            Position: this.pos(a),
          })),
          Directives: this.directives(s.directives),
          SelectionSet: this.selections(s.selectionSet?.selections),
          Position: this.pos(s),
        };
      case Kind.FRAGMENT_SPREAD:
        return {
          kind: 'FragmentSpread',
          Name: s.name.value,
          Directives: this.directives(s.directives),
          Position: this.posAfterFirst(s),
        };
      case Kind.INLINE_FRAGMENT:
        return {
          kind: 'InlineFragment',
          TypeCondition: s.typeCondition?.name.value ?? '',
          Directives: this.directives(s.directives),
          SelectionSet: this.selections(s.selectionSet.selections),
          Position: this.posAfterFirst(s),
        };
    }
  }

  queryDocument(doc: DocumentNode): QueryDocument {
    const out: QueryDocument = { Operations: [], Fragments: [] };
    for (const d of doc.definitions) {
      if (d.kind === Kind.OPERATION_DEFINITION) {
        if (d.description) this.unexpected(d);
        out.Operations.push({
          Operation: d.operation,
          Name: d.name?.value ?? '',
          VariableDefinitions: this.variableDefinitions(d.variableDefinitions),
          Directives: this.directives(d.directives),
          SelectionSet: this.selections(d.selectionSet.selections),
          Position: this.pos(d),
        } satisfies OperationDefinition);
      } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
        if (d.description) this.unexpected(d);
        out.Fragments.push({
          Name: d.name.value,
          VariableDefinition: this.variableDefinitions(d.variableDefinitions),
          TypeCondition: d.typeCondition.name.value,
          Directives: this.directives(d.directives),
          SelectionSet: this.selections(d.selectionSet.selections),
          Position: this.pos(d),
        } satisfies FragmentDefinition);
      } else {
        this.unexpected(d);
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Schema documents

  argumentDefinitions(args: readonly InputValueDefinitionNode[] | undefined): ArgumentDefinition[] {
    return (args ?? []).map((a) => ({
      Description: this.description(a.description),
      Name: a.name.value,
      DefaultValue: a.defaultValue ? this.value(a.defaultValue) : null,
      Type: this.type(a.type),
      Directives: this.directives(a.directives),
      Position: this.pos(a.name),
    }));
  }

  fieldDefinitions(
    fields: readonly (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined,
  ): FieldDefinition[] {
    return (fields ?? []).map((f) => ({
      Description: this.description(f.description),
      Name: f.name.value,
      Arguments: f.kind === Kind.FIELD_DEFINITION ? this.argumentDefinitions(f.arguments) : [],
      DefaultValue:
        f.kind === Kind.INPUT_VALUE_DEFINITION && f.defaultValue ? this.value(f.defaultValue) : null,
      Type: this.type(f.type),
      Directives: this.directives(f.directives),
      Position: this.pos(f.name),
    }));
  }

  enumValues(values: readonly EnumValueDefinitionNode[] | undefined): EnumValueDefinition[] {
    return (values ?? []).map((v) => ({
      Description: this.description(v.description),
      Name: v.name.value,
      Directives: this.directives(v.directives),
      Position: this.pos(v.name),
    }));
  }

  names(ns: readonly NamedTypeNode[] | undefined): string[] {
    return (ns ?? []).map((n) => n.name.value);
  }

  definition(d: TypeDefinitionNode | TypeExtensionNode): Definition {
    return {
      Kind: KIND_OF[d.kind] ?? '',
      Description: 'description' in d ? this.description(d.description) : '',
      Name: d.name.value,
      Directives: this.directives(d.directives),
      Interfaces: 'interfaces' in d ? this.names(d.interfaces) : [],
      Fields: 'fields' in d ? this.fieldDefinitions(d.fields) : [],
      Types: 'types' in d ? this.names(d.types) : [],
      EnumValues: 'values' in d ? this.enumValues(d.values) : [],
      BuiltIn: false,
      Position: this.pos(d.name),
    };
  }

  operationTypes(
    ops: readonly OperationTypeDefinitionNode[] | undefined,
  ): SchemaDefinition['OperationTypes'] {
    return (ops ?? []).map((o) => ({
      Operation: o.operation,
      Type: o.type.name.value,
      Position: this.pos(o),
    }));
  }

  schemaDefinition(d: SchemaDefinitionNode | SchemaExtensionNode): SchemaDefinition {
    // gqlparser places a schema definition at the token after the `schema` keyword.
    let tok: Token | null | undefined = d.loc?.startToken;
    while (tok && !(tok.kind === 'Name' && tok.value === 'schema')) tok = tok.next;
    return {
      Description: 'description' in d ? this.description(d.description) : '',
      Directives: this.directives(d.directives),
      OperationTypes: this.operationTypes(d.operationTypes),
      Position: tok?.next ? tokenPos(tok.next, this.body) : undefined,
    };
  }

  directiveDefinition(d: DirectiveDefinitionNode): DirectiveDefinition {
    return {
      Description: this.description(d.description),
      Name: d.name.value,
      Arguments: this.argumentDefinitions(d.arguments),
      Locations: d.locations.map((l) => l.value),
      IsRepeatable: d.repeatable,
      Position: this.pos(d.name),
    };
  }

  schemaDocument(doc: DocumentNode): SchemaDocument {
    const out: SchemaDocument = {
      Schema: [],
      SchemaExtension: [],
      Directives: [],
      Definitions: [],
      Extensions: [],
    };
    for (const d of doc.definitions) this.schemaEntry(d, out);
    return out;
  }

  schemaEntry(d: DefinitionNode, out: SchemaDocument): void {
    switch (d.kind) {
      case Kind.SCHEMA_DEFINITION:
        out.Schema.push(this.schemaDefinition(d));
        return;
      case Kind.SCHEMA_EXTENSION:
        out.SchemaExtension.push(this.schemaDefinition(d));
        return;
      case Kind.DIRECTIVE_DEFINITION:
        out.Directives.push(this.directiveDefinition(d));
        return;
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        out.Definitions.push(this.definition(d));
        return;
      case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_EXTENSION:
      case Kind.UNION_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_EXTENSION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        out.Extensions.push(this.definition(d));
        return;
      default:
        this.unexpected(d);
    }
  }
}

const KIND_OF: Partial<Record<string, string>> = {
  [Kind.SCALAR_TYPE_DEFINITION]: 'SCALAR',
  [Kind.SCALAR_TYPE_EXTENSION]: 'SCALAR',
  [Kind.OBJECT_TYPE_DEFINITION]: 'OBJECT',
  [Kind.OBJECT_TYPE_EXTENSION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'INTERFACE',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'INTERFACE',
  [Kind.UNION_TYPE_DEFINITION]: 'UNION',
  [Kind.UNION_TYPE_EXTENSION]: 'UNION',
  [Kind.ENUM_TYPE_DEFINITION]: 'ENUM',
  [Kind.ENUM_TYPE_EXTENSION]: 'ENUM',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'INPUT_OBJECT',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'INPUT_OBJECT',
};

/** gqlparser's `QueryDocument` for a graphql-js document parsed from `body`. */
export function toQueryDocument(doc: DocumentNode, body: string): QueryDocument {
  return new Converter(body).queryDocument(doc);
}

/** gqlparser's `SchemaDocument` for a graphql-js document parsed from `body`. */
export function toSchemaDocument(doc: DocumentNode, body: string): SchemaDocument {
  return new Converter(body).schemaDocument(doc);
}
