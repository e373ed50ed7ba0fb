/**
 * The checks of gqlparser's schema validation (`validator/schema.go`) on a schema whose
 * definitions and extensions graphql-schema.ts has merged: each throws gqlparser's error for
 * the first problem it finds, at gqlparser's position.
 */
import {
  type ArgumentDefinition,
  type Definition,
  type Directive,
  type DirectiveDefinition,
  GqlError,
  type GqlType,
  type Pos,
  type Schema,
} from './graphql-types.ts';

function sortedKeys(m: Map<string, unknown>): string[] {
  return [...m.keys()].sort();
}

/** Validates every type, in name order. */
export function validateTypeDefinitions(schema: Schema): void {
  for (const name of sortedKeys(schema.types)) validateDefinition(schema, schema.types.get(name)!);
}

/** Validates every directive definition, in name order. */
export function validateDirectiveDefinitions(schema: Schema): void {
  for (const name of sortedKeys(schema.directives)) {
    const dir = schema.directives.get(name)!;
    validateName(dir.Position, dir.Name);
    validateArgs(schema, dir.Arguments, dir);
  }
}

// ---------------------------------------------------------------------------------------------
// Types

/** gqlparser's `Type.Name()`: the named type at the bottom of list types. */
export function namedType(t: GqlType | null): string {
  return t === null ? '' : t.NamedType !== '' ? t.NamedType : namedType(t.Elem);
}

/** gqlparser's `Type.String()`: `[Int!]!` and the like. */
export function typeString(t: GqlType | null): string {
  if (t === null) return '';
  const base = t.NamedType !== '' ? t.NamedType : `[${typeString(t.Elem)}]`;
  return t.NonNull ? `${base}!` : base;
}

function isCompatible(t: GqlType | null, other: GqlType | null): boolean {
  if (!t || !other || t.NamedType !== other.NamedType) return false;
  if (t.Elem && (!other.Elem || !isCompatible(t.Elem, other.Elem))) return false;
  return other.NonNull ? t.NonNull : true;
}

function isCovariant(schema: Schema, required: GqlType | null, actual: GqlType | null): boolean {
  if (!required || !actual) return false;
  if (required.NonNull && !actual.NonNull) return false;
  if (required.NamedType !== '') {
    if (required.NamedType === actual.NamedType) return true;
    return (schema.possibleTypes.get(required.NamedType) ?? []).some((pt) => pt.Name === actual.NamedType);
  }
  if (required.Elem && !actual.Elem) return false;
  return isCovariant(schema, required.Elem, actual.Elem);
}

const isInputKind = (kind: string): boolean =>
  kind === 'SCALAR' || kind === 'ENUM' || kind === 'INPUT_OBJECT';

// ---------------------------------------------------------------------------------------------
// Rules

function validateName(pos: Pos | undefined, name: string): void {
  if (name.startsWith('__')) {
    throw new GqlError(
      `Name "${name}" must not begin with "__", which is reserved by GraphQL introspection.`,
      pos,
    );
  }
}

function validateTypeRef(schema: Schema, t: GqlType | null): void {
  if (!schema.types.has(namedType(t))) throw new GqlError(`Undefined type ${namedType(t)}.`, t?.Position);
}

function validateArgs(
  schema: Schema,
  args: ArgumentDefinition[],
  current: DirectiveDefinition | undefined,
): void {
  for (const arg of args) {
    validateName(arg.Position, arg.Name);
    validateTypeRef(schema, arg.Type);
    const def = schema.types.get(namedType(arg.Type))!;
    if (!isInputKind(def.Kind)) {
      throw new GqlError(
        `cannot use ${typeString(arg.Type)} as argument ${arg.Name} because ${def.Kind} is not a valid input type`,
        arg.Position,
      );
    }
    validateDirectives(schema, arg.Directives, 'ARGUMENT_DEFINITION', current, true);
  }
}

export function validateDirectives(
  schema: Schema,
  dirs: Directive[],
  location: string,
  current: DirectiveDefinition | undefined,
  singleLocation: boolean,
): void {
  const seen = new Set<string>();
  for (const dir of dirs) {
    validateName(dir.Position, dir.Name);
    if (current && dir.Name === current.Name) {
      throw new GqlError(`Directive ${current.Name} cannot refer to itself.`, dir.Position);
    }
    const def = schema.directives.get(dir.Name);
    if (!def) throw new GqlError(`Undefined directive ${dir.Name}.`, dir.Position);
    if (singleLocation) {
      if (seen.has(dir.Name) && !def.IsRepeatable) {
        throw new GqlError(`The directive ${dir.Name} can only be used once at this location.`, dir.Position);
      }
      seen.add(dir.Name);
    }
    if (!def.Locations.includes(location)) {
      throw new GqlError(`Directive ${dir.Name} is not applicable on ${location}.`, dir.Position);
    }
    for (const arg of dir.Arguments) {
      if (!def.Arguments.some((a) => a.Name === arg.Name)) {
        throw new GqlError(`Undefined argument ${arg.Name} for directive ${dir.Name}.`, arg.Position);
      }
    }
    for (const param of def.Arguments) {
      if (param.Type?.NonNull && param.DefaultValue === null) {
        const arg = dir.Arguments.find((a) => a.Name === param.Name);
        if (!arg || arg.Value?.Kind === 6) {
          throw new GqlError(
            `Argument ${param.Name} for directive ${dir.Name} cannot be null.`,
            dir.Position,
          );
        }
      }
    }
  }
}

function validateDefinition(schema: Schema, def: Definition): void {
  for (const field of def.Fields) {
    validateName(field.Position, field.Name);
    validateTypeRef(schema, field.Type);
    validateArgs(schema, field.Arguments, undefined);
    const location = def.Kind === 'INPUT_OBJECT' ? 'INPUT_FIELD_DEFINITION' : 'FIELD_DEFINITION';
    validateDirectives(schema, field.Directives, location, undefined, true);
  }
  for (const t of def.Types) {
    const member = schema.types.get(t);
    if (!member) throw new GqlError(`Undefined type ${JSON.stringify(t)}.`, def.Position);
    if (member.Kind !== 'OBJECT')
      throw new GqlError(`${def.Kind} type ${JSON.stringify(t)} must be OBJECT.`, def.Position);
  }
  for (const i of def.Interfaces) validateImplements(schema, def, i);

  const fieldKind = (f: Definition['Fields'][number]): string | undefined =>
    schema.types.get(namedType(f.Type))?.Kind;
  switch (def.Kind) {
    case 'OBJECT':
    case 'INTERFACE':
      if (def.Fields.length === 0) {
        throw new GqlError(`${def.Kind} ${def.Name}: must define one or more fields.`, def.Position);
      }
      for (const f of def.Fields) {
        const kind = fieldKind(f);
        if (kind !== undefined && !['SCALAR', 'OBJECT', 'INTERFACE', 'UNION', 'ENUM'].includes(kind)) {
          throw new GqlError(
            `${def.Kind} ${def.Name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM.`,
            f.Position,
          );
        }
      }
      break;
    case 'ENUM':
      if (def.EnumValues.length === 0) {
        throw new GqlError(
          `${def.Kind} ${def.Name}: must define one or more unique enum values.`,
          def.Position,
        );
      }
      for (const v of def.EnumValues) {
        if (v.Name === 'true' || v.Name === 'false' || v.Name === 'null') {
          throw new GqlError(`${def.Kind} ${def.Name}: non-enum value ${v.Name}.`, def.Position);
        }
        validateDirectives(schema, v.Directives, 'ENUM_VALUE', undefined, true);
      }
      break;
    case 'INPUT_OBJECT':
      if (def.Fields.length === 0) {
        throw new GqlError(`${def.Kind} ${def.Name}: must define one or more input fields.`, def.Position);
      }
      for (const f of def.Fields) {
        const kind = fieldKind(f);
        if (kind !== undefined && !isInputKind(kind)) {
          throw new GqlError(
            `${kind} ${f.Name}: field must be one of SCALAR, ENUM, INPUT_OBJECT.`,
            f.Position,
          );
        }
      }
      break;
  }

  const field = repeated(def.Fields.map((f) => f.Name));
  if (field !== undefined) {
    const f = def.Fields[field]!;
    throw new GqlError(`Field ${def.Name}.${f.Name} can only be defined once.`, f.Position);
  }
  const value = repeated(def.EnumValues.map((v) => v.Name));
  if (value !== undefined) {
    const v = def.EnumValues[value]!;
    throw new GqlError(`Enum value ${def.Name}.${v.Name} can only be defined once.`, v.Position);
  }
  const member = repeated(def.Types);
  if (member !== undefined) {
    throw new GqlError(
      `Union type ${def.Name} can only include type ${def.Types[member]} once.`,
      def.Position,
    );
  }

  if (!def.BuiltIn) validateName(def.Position, def.Name);
  // The directives of a type are merged across its definition and its extensions (distinct
  // locations), so repetition is not checked here.
  validateDirectives(schema, def.Directives, def.Kind, undefined, false);
}

/** The index of the first repetition gqlparser reports: of the first name that repeats, its next occurrence. */
function repeated(names: string[]): number | undefined {
  for (let i = 0; i < names.length; i++) {
    const j = names.indexOf(names[i]!, i + 1);
    if (j >= 0) return j;
  }
  return undefined;
}

function validateImplements(schema: Schema, def: Definition, name: string): void {
  const intf = schema.types.get(name);
  if (!intf) throw new GqlError(`Undefined type ${JSON.stringify(name)}.`, def.Position);
  if (intf.Kind !== 'INTERFACE') {
    throw new GqlError(`${JSON.stringify(name)} is a non interface type ${intf.Kind}.`, def.Position);
  }
  const prefix = `For ${def.Name} to implement ${intf.Name}`;
  for (const required of intf.Fields) {
    const found = def.Fields.find((f) => f.Name === required.Name);
    if (!found) throw new GqlError(`${prefix} it must have a field called ${required.Name}.`, def.Position);
    if (!isCovariant(schema, required.Type, found.Type)) {
      throw new GqlError(
        `${prefix} the field ${required.Name} must have type ${typeString(required.Type)}.`,
        found.Position,
      );
    }
    for (const arg of required.Arguments) {
      const foundArg = found.Arguments.find((a) => a.Name === arg.Name);
      if (!foundArg) {
        throw new GqlError(
          `${prefix} the field ${required.Name} must have the same arguments but it is missing ${arg.Name}.`,
          found.Position,
        );
      }
      if (!isCompatible(arg.Type, foundArg.Type)) {
        throw new GqlError(
          `${prefix} the field ${required.Name} must have the same arguments but ${arg.Name} has the wrong type.`,
          foundArg.Position,
        );
      }
    }
    for (const extra of found.Arguments) {
      if (
        !required.Arguments.some((a) => a.Name === extra.Name) &&
        extra.Type?.NonNull &&
        !extra.DefaultValue
      ) {
        throw new GqlError(
          `${prefix} any additional arguments on ${found.Name} must be optional or have a default value but ${extra.Name} is required.`,
          extra.Position,
        );
      }
    }
  }
  // Interfaces of the interface must be implemented too.
  for (const transitive of intf.Interfaces) {
    if (def.Interfaces.includes(transitive)) continue;
    if (transitive === def.Name) {
      throw new GqlError(
        `Type ${def.Name} cannot implement ${name} because it would create a circular reference.`,
        def.Position,
      );
    }
    throw new GqlError(
      `Type ${def.Name} must implement ${transitive} because it is implemented by ${name}.`,
      def.Position,
    );
  }
}

/** Rejects input objects that contain themselves through a chain of non-null fields. */
export function validateInputObjectCircularRefs(schema: Schema): void {
  const visited = new Set<string>();
  const path: Definition['Fields'] = [];
  const indexOnPath = new Map<string, number>();

  const detect = (def: Definition): void => {
    if (visited.has(def.Name)) return;
    visited.add(def.Name);
    indexOnPath.set(def.Name, path.length);
    for (const field of def.Fields) {
      if (!field.Type?.NonNull || field.Type.NamedType === '') continue; // nullable or list: no cycle
      const fieldType = schema.types.get(field.Type.NamedType);
      if (fieldType?.Kind !== 'INPUT_OBJECT') continue;
      path.push(field);
      const cycleStart = indexOnPath.get(fieldType.Name);
      if (cycleStart !== undefined) {
        const cycle = path.slice(cycleStart);
        throw new GqlError(
          `Cannot reference Input Object ${JSON.stringify(fieldType.Name)} within itself through a series of non-null fields: ${JSON.stringify(cycle.map((f) => f.Name).join('.'))}.`,
          cycle[0]?.Position,
        );
      }
      detect(fieldType);
      path.pop();
    }
    indexOnPath.delete(def.Name);
  };
  for (const name of sortedKeys(schema.types)) {
    const def = schema.types.get(name)!;
    if (def.Kind === 'INPUT_OBJECT') detect(def);
  }
}
