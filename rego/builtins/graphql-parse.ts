/**
 * Parses GraphQL query and schema documents with graphql-js and reports syntax errors the way
 * gqlparser (the Go library OPA uses) words and places them.
 *
 * The two parsers implement the same grammar and mostly fail at the same token; what differs is
 * the wording. gqlparser says `Expected Name, found }` where graphql-js says
 * `Expected Name, found "}".`; after an expected punctuator or `Name` it names only the kind of
 * the token found (`found Name`, not `found Name "x"`); it says `expected at least one
 * definition, found }` for an empty `{}` or `()` list; it reports lexer errors as an
 * `Unexpected <Invalid>` token and a variable in a constant as `Unexpected $`; and it places
 * string tokens after their opening quote(s). {@link toGqlParserError} rebuilds gqlparser's
 * message from the token graphql-js stopped at. An empty document (nothing but whitespace and
 * comments) is valid for gqlparser, not for graphql-js.
 */
import { GraphQLError, Lexer, parse, Source, type Token } from 'graphql';
import { tokenPos, tokenText, toQueryDocument, toSchemaDocument } from './graphql-ast.ts';
import { GqlError, type Pos, type QueryDocument, type SchemaDocument } from './graphql-types.ts';

/** Parses an executable document (operations and fragments), as gqlparser's `ParseQuery`. */
export function parseQuery(text: string): QueryDocument {
  if (isEmptyDocument(text)) return { Operations: [], Fragments: [] };
  return toQueryDocument(parseDocument(text), text);
}

/** Parses a type system document, as gqlparser's `ParseSchema`. */
export function parseSchema(text: string): SchemaDocument {
  if (isEmptyDocument(text))
    return { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] };
  return toSchemaDocument(parseDocument(text), text);
}

function isEmptyDocument(text: string): boolean {
  try {
    return new Lexer(new Source(text)).advance().kind === '<EOF>';
  } catch {
    return false; // a lexer error: let the parser report it
  }
}

function parseDocument(text: string): ReturnType<typeof parse> {
  try {
    // gqlparser accepts fragment variables (`fragment f($v: T) on U`), as graphql-js 16 does
    // with this option.
    return parse(text, { allowLegacyFragmentVariables: true });
  } catch (e) {
    if (e instanceof GraphQLError) throw toGqlParserError(e, text);
    throw e;
  }
}

const OPENERS: Partial<Record<string, string>> = { '}': '{', ')': '(' };

/** gqlparser's error for the syntax error graphql-js raised on `text`. */
export function toGqlParserError(e: GraphQLError, text: string): GqlError {
  const offset = e.positions?.[0] ?? 0;
  const at = tokenAt(text, offset);
  if (!at) return new GqlError('Unexpected <Invalid>', offsetPos(text, offset));
  const { tok, prev } = at;
  const pos = tokenPos(tok, text);
  const message = e.message.replace(/^Syntax Error: /, '');
  if (!message.startsWith('Expected ')) return new GqlError(`Unexpected ${tokenText(tok)}`, pos);

  // gqlparser's `some` (a list that must not be empty) fails on the closing token.
  if (OPENERS[tok.kind] !== undefined && prev?.kind === OPENERS[tok.kind]) {
    return new GqlError(`expected at least one definition, found ${tok.kind}`, pos);
  }
  const expected = message.slice('Expected '.length, message.indexOf(', found '));
  // `Expected "on", found Name "x"` (a keyword) names the token found; `Expected Name, found Name`
  // and `Expected :, found (` name only its kind.
  if (/^"[A-Za-z_]\w*"$/.test(expected))
    return new GqlError(`Expected ${expected}, found ${tokenText(tok)}`, pos);
  return new GqlError(`Expected ${expected.replace(/^"(.*)"$/, '$1')}, found ${tok.kind}`, pos);
}

/**
 * The token that starts at `offset` and the one before it, or undefined when none starts there
 * (the error is the lexer's).
 */
function tokenAt(text: string, offset: number): { tok: Token; prev: Token | undefined } | undefined {
  const lexer = new Lexer(new Source(text));
  let prev: Token | undefined;
  try {
    for (;;) {
      const tok = lexer.advance();
      if (tok.start >= offset || tok.kind === '<EOF>')
        return tok.start === offset ? { tok, prev } : undefined;
      prev = tok;
    }
  } catch {
    return undefined;
  }
}

/** Line and column (in code points) of a string index. */
function offsetPos(text: string, offset: number): Pos {
  const before = text.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  const last = lines[lines.length - 1] ?? '';
  return { line: lines.length, column: [...last].length + 1 };
}
