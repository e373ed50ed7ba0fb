/**
 * Validates a query document against a schema with graphql-js's validation rules (which
 * gqlparser's validator ports rule for rule, with the same messages), plus gqlparser's
 * `KnownRootType` rule that graphql-js 16 lacks.
 *
 * Both documents are in gqlparser's shape (see graphql-types.ts), so they are first rebuilt as
 * graphql-js ASTs: the schema's merged definitions (prelude types excepted: graphql-js has its
 * own) become an SDL document for `buildASTSchema`, with the root types gqlparser chose set
 * explicitly; the query becomes an executable document whose nodes remember the gqlparser
 * positions, so that an error points where gqlparser's would.
 */
import {
  type ArgumentNode,
  type ASTNode,
  type ASTVisitor,
  buildASTSchema,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  GraphQLError,
  type GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  type InlineFragmentNode,
  type InputValueDefinitionNode,
  Kind,
  type NamedTypeNode,
  type NameNode,
  type OperationDefinitionNode,
  OperationTypeNode,
  type SelectionNode,
  type SelectionSetNode,
  specifiedDirectives,
  specifiedRules,
  type TypeNode,
  type ValidationContext,
  type ValueNode,
  type VariableDefinitionNode,
  type VariableNode,
  validate,
} from 'graphql';
import {
  type Argument,
  type ArgumentDefinition,
  type Definition,
  type Directive,
  GqlError,
  type GqlType,
  type GqlValue,
  type Pos,
  type QueryDocument,
  type Schema,
  type Selection,
  ValueKind,
  type VariableDefinition,
} from './graphql-types.ts';

/** Builds graphql-js nodes, remembering which gqlparser position each one stands for. */
class Builder {
  readonly positions = new WeakMap<object, Pos>();

  at<T extends object>(node: T, pos: Pos | undefined): T {
    if (pos) this.positions.set(node, pos);
    return node;
  }

  name(value: string, pos?: Pos): NameNode {
    return this.at({ kind: Kind.NAME, value }, pos);
  }

  named(value: string, pos?: Pos): NamedTypeNode {
    return this.at({ kind: Kind.NAMED_TYPE, name: this.name(value, pos) }, pos);
  }

  type(t: GqlType | null): TypeNode {
    if (!t) throw new GqlError('missing type');
    const base: TypeNode =
      t.NamedType !== ''
        ? this.named(t.NamedType, t.Position)
        : this.at({ kind: Kind.LIST_TYPE, type: this.type(t.Elem) }, t.Position);
    return t.NonNull ? this.at({ kind: Kind.NON_NULL_TYPE, type: base }, t.Position) : base;
  }

  value(v: GqlValue | null): ValueNode {
    if (!v) throw new GqlError('missing value');
    const at = <T extends object>(node: T): T => this.at(node, v.Position);
    switch (v.Kind) {
      case ValueKind.Variable:
        return at({ kind: Kind.VARIABLE, name: this.name(v.Raw, v.Position) });
      case ValueKind.Int:
        return at({ kind: Kind.INT, value: v.Raw });
      case ValueKind.Float:
        return at({ kind: Kind.FLOAT, value: v.Raw });
      case ValueKind.String:
      case ValueKind.Block:
        return at({ kind: Kind.STRING, value: v.Raw, block: v.Kind === ValueKind.Block });
      case ValueKind.Boolean:
        return at({ kind: Kind.BOOLEAN, value: v.Raw === 'true' });
      case ValueKind.Null:
        return at({ kind: Kind.NULL });
      case ValueKind.Enum:
        return at({ kind: Kind.ENUM, value: v.Raw });
      case ValueKind.List:
        return at({ kind: Kind.LIST, values: v.Children.map((c) => this.value(c.Value)) });
      case ValueKind.Object:
        return at({
          kind: Kind.OBJECT,
          fields: v.Children.map((c) =>
            this.at(
              { kind: Kind.OBJECT_FIELD, name: this.name(c.Name, c.Position), value: this.value(c.Value) },
              c.Position,
            ),
          ),
        });
      default:
        throw new GqlError(`unknown value kind ${v.Kind}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  argument(a: Argument): ArgumentNode {
    return this.at<ArgumentNode>(
      { kind: Kind.ARGUMENT, name: this.name(a.Name, a.Position), value: this.value(a.Value) },
      a.Position,
    );
  }

  directives(ds: Directive[]): DirectiveNode[] {
    return ds.map((d) =>
      this.at<DirectiveNode>(
        {
          kind: Kind.DIRECTIVE,
          name: this.name(d.Name, d.Position),
          arguments: d.Arguments.map((a) => this.argument(a)),
        },
        d.Position,
      ),
    );
  }

  variableDefinitions(vs: VariableDefinition[]): VariableDefinitionNode[] {
    return vs.map((v) =>
      this.at<VariableDefinitionNode>(
        {
          kind: Kind.VARIABLE_DEFINITION,
          variable: this.at<VariableNode>(
            { kind: Kind.VARIABLE, name: this.name(v.Variable, v.Position) },
            v.Position,
          ),
          type: this.type(v.Type),
          // Constness is a matter of grammar, which graphql-js's parser enforces; not needed here.
          defaultValue: v.DefaultValue ? (this.value(v.DefaultValue) as ConstValueNode) : undefined,
          directives: this.directives(v.Directives) as ConstDirectiveNode[],
        },
        v.Position,
      ),
    );
  }

  selection(s: Selection): SelectionNode {
    const directives = this.directives(s.Directives);
    switch (s.kind) {
      case 'Field':
        return this.at<FieldNode>(
          {
            kind: Kind.FIELD,
            alias: s.Alias !== '' && s.Alias !== s.Name ? this.name(s.Alias, s.Position) : undefined,
            name: this.name(s.Name, s.Position),
            arguments: s.Arguments.map((a) => this.argument(a)),
            directives,
            selectionSet:
              s.SelectionSet.length > 0 ? this.selectionSet(s.SelectionSet, s.Position) : undefined,
          },
          s.Position,
        );
      case 'FragmentSpread':
        return this.at<FragmentSpreadNode>(
          { kind: Kind.FRAGMENT_SPREAD, name: this.name(s.Name, s.Position), directives },
          s.Position,
        );
      case 'InlineFragment':
        return this.at<InlineFragmentNode>(
          {
            kind: Kind.INLINE_FRAGMENT,
            typeCondition: s.TypeCondition !== '' ? this.named(s.TypeCondition, s.Position) : undefined,
            directives,
            selectionSet: this.selectionSet(s.SelectionSet, s.Position),
          },
          s.Position,
        );
    }
  }

  /** A selection set, placed at its owner (as gqlparser reports errors about it). */
  selectionSet(ss: Selection[], pos: Pos | undefined): SelectionSetNode {
    return this.at<SelectionSetNode>(
      { kind: Kind.SELECTION_SET, selections: ss.map((s) => this.selection(s)) },
      pos,
    );
  }

  queryDocument(doc: QueryDocument): DocumentNode {
    const operations = doc.Operations.map((op) =>
      this.at<OperationDefinitionNode>(
        {
          kind: Kind.OPERATION_DEFINITION,
          operation: operationType(op.Operation),
          name: op.Name !== '' ? this.name(op.Name, op.Position) : undefined,
          variableDefinitions: this.variableDefinitions(op.VariableDefinitions),
          directives: this.directives(op.Directives),
          selectionSet: this.selectionSet(op.SelectionSet, op.Position),
        },
        op.Position,
      ),
    );
    const fragments = doc.Fragments.map((f) =>
      this.at<FragmentDefinitionNode>(
        {
          kind: Kind.FRAGMENT_DEFINITION,
          name: this.name(f.Name, f.Position),
          variableDefinitions: this.variableDefinitions(f.VariableDefinition),
          typeCondition: this.named(f.TypeCondition, f.Position),
          directives: this.directives(f.Directives),
          selectionSet: this.selectionSet(f.SelectionSet, f.Position),
        },
        f.Position,
      ),
    );
    return { kind: Kind.DOCUMENT, definitions: [...operations, ...fragments] };
  }

  // -------------------------------------------------------------------------------------------
  // Schemas (applied directives are left out: validation does not read them)

  inputValues(args: ArgumentDefinition[] | Definition['Fields']): InputValueDefinitionNode[] {
    return args.map((a) => ({
      kind: Kind.INPUT_VALUE_DEFINITION,
      name: this.name(a.Name),
      type: this.type(a.Type),
      defaultValue: a.DefaultValue ? (this.value(a.DefaultValue) as ConstValueNode) : undefined,
    }));
  }

  fields(def: Definition): FieldDefinitionNode[] {
    return def.Fields.map((f) => ({
      kind: Kind.FIELD_DEFINITION,
      name: this.name(f.Name),
      arguments: this.inputValues(f.Arguments),
      type: this.type(f.Type),
    }));
  }

  typeDefinition(def: Definition): DefinitionNode {
    const name = this.name(def.Name);
    const interfaces = def.Interfaces.map((i) => this.named(i));
    switch (def.Kind) {
      case 'SCALAR':
        return { kind: Kind.SCALAR_TYPE_DEFINITION, name };
      case 'OBJECT':
        return { kind: Kind.OBJECT_TYPE_DEFINITION, name, interfaces, fields: this.fields(def) };
      case 'INTERFACE':
        return { kind: Kind.INTERFACE_TYPE_DEFINITION, name, interfaces, fields: this.fields(def) };
      case 'UNION':
        return { kind: Kind.UNION_TYPE_DEFINITION, name, types: def.Types.map((t) => this.named(t)) };
      case 'ENUM':
        return {
          kind: Kind.ENUM_TYPE_DEFINITION,
          name,
          values: def.EnumValues.map((v) => ({ kind: Kind.ENUM_VALUE_DEFINITION, name: this.name(v.Name) })),
        };
      case 'INPUT_OBJECT':
        return { kind: Kind.INPUT_OBJECT_TYPE_DEFINITION, name, fields: this.inputValues(def.Fields) };
      default:
        throw new GqlError(`unknown type kind ${JSON.stringify(def.Kind)}`);
    }
  }
}

function operationType(op: string): OperationTypeNode {
  switch (op) {
    case '':
    case 'query':
      return OperationTypeNode.QUERY;
    case 'mutation':
      return OperationTypeNode.MUTATION;
    case 'subscription':
      return OperationTypeNode.SUBSCRIPTION;
    default:
      throw new GqlError(`got unknown operation type "${op}"`);
  }
}

const SPECIFIED_DIRECTIVES = new Set(specifiedDirectives.map((d) => d.name));

/** The graphql-js schema for a schema gqlparser validated. */
export function buildGraphQLSchema(schema: Schema): GraphQLSchema {
  const b = new Builder();
  const definitions: DefinitionNode[] = [];
  for (const def of schema.types.values()) if (!def.BuiltIn) definitions.push(b.typeDefinition(def));
  for (const dir of schema.directives.values()) {
    if (SPECIFIED_DIRECTIVES.has(dir.Name)) continue; // graphql-js adds its own
    definitions.push({
      kind: Kind.DIRECTIVE_DEFINITION,
      name: b.name(dir.Name),
      arguments: b.inputValues(dir.Arguments),
      repeatable: dir.IsRepeatable,
      locations: dir.Locations.map((l) => b.name(l)),
    });
  }
  const built = buildASTSchema(
    { kind: Kind.DOCUMENT, definitions },
    { assumeValid: true, assumeValidSDL: true },
  );
  const root = (def: Definition | undefined): GraphQLObjectType | undefined => {
    const t: GraphQLNamedType | undefined = def ? built.getType(def.Name) : undefined;
    return t instanceof GraphQLObjectType ? t : undefined;
  };
  return new GraphQLSchema({
    ...built.toConfig(),
    query: root(schema.query),
    mutation: root(schema.mutation),
    subscription: root(schema.subscription),
    assumeValid: true,
  });
}

/** gqlparser's `KnownRootType`: an operation needs a root type in the schema. */
function KnownRootTypeRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation)) {
        context.reportError(
          new GraphQLError(`Schema does not support operation type "${node.operation}"`, { nodes: node }),
        );
      }
    },
  };
}

const RULES = [KnownRootTypeRule, ...specifiedRules];

/** Validates `doc` against `schema`; throws the first error, as OPA reports only that one. */
export function validateQuery(schema: GraphQLSchema, doc: QueryDocument): void {
  const b = new Builder();
  const errors = validate(schema, b.queryDocument(doc), RULES);
  const first = errors[0];
  if (!first) return;
  const pos = (first.nodes ?? []).map((n: ASTNode) => b.positions.get(n)).find((p) => p !== undefined);
  throw new GqlError(first.message, pos);
}
