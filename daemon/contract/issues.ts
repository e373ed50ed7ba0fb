/**
 * Turns zod's issues into the contract's: one entry per offending field, each with a dotted path,
 * a stable code and a message the agent can act on. zod reports several unknown keys as one
 * issue on the parent and an unknown `command_type` as a union failure; agents need the field.
 */
import type { z } from 'zod';
import { formatPath } from './paths.ts';

/** One reason a command was refused. `path` is dotted (`params.service`); '' is the whole command. */
export interface ContractIssue {
  readonly path: string;
  /** zod's issue code (`invalid_type`, `too_big`, …) or one of ours: `required`, `unknown_key`, `forbidden_key`, `invalid_command_type`, `invalid_characters`, `too_large`, `not_json`, `not_serializable`. */
  readonly code: string;
  readonly message: string;
}

/** Body keys that try to claim an identity; refused with a message that says where identity comes from. */
const IDENTITY_KEYS: ReadonlySet<string> = new Set(['agent', 'agent_id', 'agentId']);

/**
 * Converts zod issues to contract issues.
 *
 * @example
 * ```ts
 * toContractIssues(result.error.issues, COMMAND_TYPES);
 * // [{ path: 'params.service', code: 'invalid_format', message: 'must be a lowercase slug: …' }]
 * ```
 */
export function toContractIssues(
  issues: readonly z.core.$ZodIssue[],
  commandTypes: readonly string[],
): ContractIssue[] {
  const out: ContractIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const atRoot = issue.path.length === 0;
        out.push({
          path: formatPath([...issue.path, key]),
          code: 'unknown_key',
          message:
            atRoot && IDENTITY_KEYS.has(key)
              ? "not allowed: the agent's identity comes from its credential or queue, never from the command"
              : 'unknown field: not part of the command contract',
        });
      }
      continue;
    }
    if (
      issue.code === 'invalid_union' &&
      'discriminator' in issue &&
      issue.discriminator === 'command_type'
    ) {
      const input = issue.input as Record<string, unknown> | undefined;
      const missing = input?.command_type === undefined;
      out.push({
        path: formatPath(issue.path),
        code: missing ? 'required' : 'invalid_command_type',
        message: `${missing ? 'required: ' : ''}must be one of ${commandTypes.join(', ')}`,
      });
      continue;
    }
    if (issue.code === 'invalid_key' && issue.issues.length > 0) {
      // A bad record key (metadata): report the key's own problem at the key's path.
      for (const inner of issue.issues) {
        out.push({ path: formatPath(issue.path), code: inner.code, message: inner.message });
      }
      continue;
    }
    // Parsed with `reportInput`: an absent field reaches us as an undefined input. "required"
    // says it better than "expected string, received undefined" (JSON has no undefined, so an
    // undefined input always means the key is missing).
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) {
      out.push({ path: formatPath(issue.path), code: 'required', message: 'required' });
      continue;
    }
    out.push({ path: formatPath(issue.path), code: issue.code, message: issue.message });
  }
  return out;
}
