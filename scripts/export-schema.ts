/**
 * Writes `docs/command.schema.json`: the JSON Schema (draft 2020-12) of a command, generated from
 * the zod contract in `daemon/contract/command.ts` with the default limits, for agents written in
 * other languages.
 *
 *   npx node scripts/export-schema.ts      (npm run schema)
 *
 * `tests/daemon/contract.test.ts` fails when the committed file differs from the output. Checks
 * JSON Schema cannot express (a forbidden key nested anywhere, NUL characters, the total size
 * in bytes) are stated in the description; the daemon enforces them regardless.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import {
  commandSchema,
  DEFAULT_MAX_COMMAND_BYTES,
  DEFAULT_MAX_STRING_LENGTH,
} from '../daemon/contract/command.ts';

/** Stable identifier of this schema; bump the version segment on a breaking contract change. */
export const COMMAND_SCHEMA_ID = 'urn:mcp-orchestrator:schema:command:v1';

/**
 * Renders the JSON Schema text (pretty-printed, trailing newline).
 *
 * @example
 * ```ts
 * const schema = JSON.parse(renderCommandSchema());
 * schema.$id; // 'urn:mcp-orchestrator:schema:command:v1'
 * ```
 */
export function renderCommandSchema(): string {
  const generated = z.toJSONSchema(commandSchema(), { io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    $id: COMMAND_SCHEMA_ID,
    title: 'MCP Orchestrator command',
    description: [
      'A command an agent submits to the MCP Orchestrator (POST /v1/commands, or a job on an orchestrator queue).',
      'Generated from daemon/contract/command.ts by scripts/export-schema.ts; do not edit by hand.',
      'The agent identity is never part of the command: it comes from the bearer token or the queue.',
      `The daemon also refuses: a serialized command above MAX_COMMAND_BYTES (default ${DEFAULT_MAX_COMMAND_BYTES} bytes);`,
      `strings longer than MAX_STRING_LENGTH (default ${DEFAULT_MAX_STRING_LENGTH}; the maxLength below) where a field states no other limit;`,
      'the keys __proto__, constructor and prototype at any depth; strings containing NUL or unpaired UTF-16 surrogates.',
    ].join(' '),
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Where the generated file lives. */
export const COMMAND_SCHEMA_PATH = fileURLToPath(new URL('../docs/command.schema.json', import.meta.url));

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(COMMAND_SCHEMA_PATH, renderCommandSchema());
  console.log(`wrote ${COMMAND_SCHEMA_PATH}`);
}
