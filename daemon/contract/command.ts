/**
 * The command contract: the one definition of what an agent may submit. The HTTP intake, the
 * agent SDK, the poller (which re-validates every job: the queue is not trusted) and the JSON
 * Schema in `docs/command.schema.json` all come from here.
 *
 * A command is `{ action_id, command_type, params, severity?, metadata? }`, strict at every
 * level. There is no `agent` field: who sent a command is decided by the credential or the queue
 * it came through, so a body that names an agent is refused, not ignored.
 *
 * @example
 * ```ts
 * const r = validateCommand({
 *   action_id: 'chk-2024-06-01-001',
 *   command_type: 'CHECK_INTEGRATION_STATUS',
 *   params: { service: 'google_drive' },
 * });
 * if (!r.ok) return reply.code(r.error.status).send(r.error.toJSON());
 * await intake.record(r.command); // typed: r.command.params.service is a string
 * ```
 */
import { z } from 'zod';
import { ContractErrors } from '../errors/contract.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { Id, Metadata, SeveritySchema } from './fields.ts';
import { type ContractIssue, toContractIssues } from './issues.ts';
import { buildParamsSchemas, type ParamLimits } from './params.ts';
import { scanRaw } from './raw-scan.ts';

export type { ContractIssue } from './issues.ts';
export { SESSION_LEG_STATUSES } from './params.ts';
export { SEVERITIES, type Severity } from './fields.ts';

export const COMMAND_TYPES = [
  'CHECK_INTEGRATION_STATUS',
  'REFRESH_TOKEN',
  'CONNECT_INTEGRATION',
  'DISCOVER_PRODUCTS',
  'CHECKOUT_PRECHECK',
  'CHECKOUT_COMPLETE',
  'UPDATE_SESSION_LEG',
] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** Default of `MAX_COMMAND_BYTES`: UTF-8 bytes of the serialized command. */
export const DEFAULT_MAX_COMMAND_BYTES = 16_384;
/** Default of `MAX_STRING_LENGTH`: characters, for strings without a limit of their own. */
export const DEFAULT_MAX_STRING_LENGTH = 2_048;

function buildCommandSchema(limits: ParamLimits) {
  const params = buildParamsSchemas(limits);
  const envelope = <T extends CommandType, P extends z.ZodType>(type: T, p: P) =>
    z.strictObject({
      action_id: Id,
      command_type: z.literal(type),
      params: p,
      severity: SeveritySchema.optional(),
      metadata: Metadata.optional(),
    });
  return z.discriminatedUnion('command_type', [
    envelope('CHECK_INTEGRATION_STATUS', params.CHECK_INTEGRATION_STATUS),
    envelope('REFRESH_TOKEN', params.REFRESH_TOKEN),
    envelope('CONNECT_INTEGRATION', params.CONNECT_INTEGRATION),
    envelope('DISCOVER_PRODUCTS', params.DISCOVER_PRODUCTS),
    envelope('CHECKOUT_PRECHECK', params.CHECKOUT_PRECHECK),
    envelope('CHECKOUT_COMPLETE', params.CHECKOUT_COMPLETE),
    envelope('UPDATE_SESSION_LEG', params.UPDATE_SESSION_LEG),
  ]);
}

type CommandSchemaType = ReturnType<typeof buildCommandSchema>;

/**
 * The fields every type shares. When `command_type` is unknown the union stops there, so this
 * is checked as well: the agent then hears about a bad `action_id` or an `agent` key in the
 * same answer instead of one round trip per mistake.
 */
function buildEnvelopeSchema() {
  return z.strictObject({
    action_id: Id,
    command_type: z.unknown().optional(), // reported by the union already
    params: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
    severity: SeveritySchema.optional(),
    metadata: Metadata.optional(),
  });
}
let envelopeSchema: ReturnType<typeof buildEnvelopeSchema> | undefined;

/** A validated command. Narrow on `command_type` to get the params of one type. */
export type Command = z.output<CommandSchemaType>;
/** The command of one type, e.g. `CommandOf<'CHECKOUT_COMPLETE'>`. */
export type CommandOf<T extends CommandType> = Extract<Command, { command_type: T }>;
/** The params of one type, e.g. `ParamsOf<'DISCOVER_PRODUCTS'>['limit']`. */
export type ParamsOf<T extends CommandType> = CommandOf<T>['params'];

const schemas = new Map<number, CommandSchemaType>();

/**
 * The zod schema of a command for a given string limit (cached: the daemon uses one).
 *
 * @example
 * ```ts
 * z.toJSONSchema(commandSchema());                            // default limits
 * commandSchema({ maxStringLength: config.maxStringLength }); // the configured ones
 * ```
 */
export function commandSchema(opts: { maxStringLength?: number } = {}): CommandSchemaType {
  const max = opts.maxStringLength ?? DEFAULT_MAX_STRING_LENGTH;
  let s = schemas.get(max);
  if (!s) {
    s = buildCommandSchema({ maxStringLength: max });
    schemas.set(max, s);
  }
  return s;
}

export interface ValidateOptions {
  /** Largest serialized command in UTF-8 bytes. @defaultValue 16384 */
  readonly maxBytes?: number;
  /** Longest string where a field states no limit of its own. @defaultValue 2048 */
  readonly maxStringLength?: number;
}

export type ValidationResult = { ok: true; command: Command } | { ok: false; error: OrchestratorError };

function fail(
  spec: (typeof ContractErrors)[keyof typeof ContractErrors],
  issues: ContractIssue[],
  extra: Record<string, unknown> = {},
): { ok: false; error: OrchestratorError } {
  const first = issues[0];
  const summary = first
    ? `${first.path === '' ? 'command' : first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
    : 'invalid';
  return {
    ok: false,
    error: new OrchestratorError(spec, { summary, ...extra, details: { issues } }),
  };
}

/**
 * Validates a parsed value as a command. Never throws on bad input: every refusal is an
 * `OrchestratorError` (`ORC_ERR_CONTRACT_INVALID` 400, `_TOO_LARGE` 413, `_FORBIDDEN_KEY` 400)
 * whose `params.details.issues` names each field and why.
 *
 * The value is serialized and re-parsed first, so what is validated is exactly what will be
 * stored, hashed and enqueued (no `undefined`, no class instances, no cycles).
 *
 * @example
 * ```ts
 * const r = validateCommand(job.data, { maxBytes: config.maxCommandBytes, maxStringLength: config.maxStringLength });
 * if (!r.ok) {
 *   // r.error.code === 'ORC_ERR_CONTRACT_INVALID'
 *   // r.error.params.details → { issues: [{ path: 'params.service', code: 'required', message: 'required' }] }
 * }
 * ```
 */
export function validateCommand(raw: unknown, opts: ValidateOptions = {}): ValidationResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_COMMAND_BYTES;
  let json: string | undefined;
  try {
    json = JSON.stringify(raw);
  } catch (err) {
    return fail(ContractErrors.INVALID, [
      { path: '', code: 'not_serializable', message: `is not JSON-serializable (${(err as Error).message})` },
    ]);
  }
  if (json === undefined || raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(ContractErrors.INVALID, [
      { path: '', code: 'invalid_type', message: 'must be a JSON object' },
    ]);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) {
    return fail(
      ContractErrors.TOO_LARGE,
      [{ path: '', code: 'too_large', message: `is ${bytes} bytes serialized; the limit is ${maxBytes}` }],
      { bytes, limit: maxBytes },
    );
  }
  return validateParsed(JSON.parse(json), opts);
}

function validateParsed(value: unknown, opts: ValidateOptions): ValidationResult {
  const { forbidden, badStrings } = scanRaw(value);
  const firstForbidden = forbidden[0];
  if (firstForbidden) {
    const key = firstForbidden.path.slice(firstForbidden.path.lastIndexOf('.') + 1);
    return fail(ContractErrors.FORBIDDEN_KEY, forbidden, { key, path: firstForbidden.path });
  }
  if (badStrings.length > 0) return fail(ContractErrors.INVALID, badStrings);

  const result = commandSchema(opts).safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, command: result.data };
  const issues = toContractIssues(result.error.issues, COMMAND_TYPES);
  if (issues.some((i) => i.path === 'command_type')) {
    envelopeSchema ??= buildEnvelopeSchema();
    const base = envelopeSchema.safeParse(value, { reportInput: true });
    if (!base.success) {
      issues.push(
        ...toContractIssues(base.error.issues, COMMAND_TYPES).filter((i) => i.path !== 'command_type'),
      );
    }
  }
  return fail(ContractErrors.INVALID, issues);
}

/**
 * Parses JSON text (a request body, a file for `orchestrator submit`) and validates it. The size
 * limit is checked on the bytes before parsing, so an oversize body costs no parse.
 *
 * @example
 * ```ts
 * const r = parseCommandJSON(readFileSync('cmd.json'), { maxBytes: config.maxCommandBytes });
 * if (!r.ok) console.error(r.error.message); // e.g. "command is not valid JSON: Unexpected end of JSON input"
 * ```
 */
export function parseCommandJSON(input: string | Uint8Array, opts: ValidateOptions = {}): ValidationResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_COMMAND_BYTES;
  const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (bytes > maxBytes) {
    return fail(
      ContractErrors.TOO_LARGE,
      [{ path: '', code: 'too_large', message: `is ${bytes} bytes; the limit is ${maxBytes}` }],
      { bytes, limit: maxBytes },
    );
  }
  let value: unknown;
  try {
    const textValue =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
    value = JSON.parse(textValue);
  } catch (err) {
    // V8 quotes a slice of the input in its message; keep it short, it ends up in logs.
    const reason = (err as Error).message.slice(0, 200);
    return {
      ok: false,
      error: new OrchestratorError(ContractErrors.NOT_JSON, {
        reason,
        details: { issues: [{ path: '', code: 'not_json', message: reason }] },
      }),
    };
  }
  // validateCommand re-serializes and measures again: the limit then holds for the normalized
  // form that is stored and hashed, not only for the text as sent.
  return validateCommand(value, opts);
}

/**
 * The issues of a contract error (empty for any other error), for recording why a job was
 * rejected.
 *
 * @example
 * ```ts
 * if (!r.ok) await ledger.transition(agentId, actionId, 'REJECTED', { issues: contractIssues(r.error) });
 * ```
 */
export function contractIssues(error: unknown): ContractIssue[] {
  if (!(error instanceof OrchestratorError)) return [];
  const details = error.params.details as { issues?: unknown } | undefined;
  return Array.isArray(details?.issues) ? (details.issues as ContractIssue[]) : [];
}
