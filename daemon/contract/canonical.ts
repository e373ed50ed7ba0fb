/**
 * Canonical JSON and the payload hash. The ledger stores `payloadHash(command)` with each action
 * so that the same `action_id` submitted again can be told apart: same hash → the same request
 * (answer with the existing record, never execute twice); different hash → a conflict (409).
 *
 * The form is that of RFC 8785 (JCS) for the values a command can hold: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as `JSON.stringify` writes them. Key
 * order and spacing as sent therefore never change the hash.
 */
import { createHash } from 'node:crypto';

// One canonical JSON for the whole project: the Apps Script bridge signs with it, and the payload
// hash of a command uses the same serialization (bridges/ cannot import the daemon, so it lives there).
import { canonicalJSON } from '../../bridges/canonical.ts';

export { canonicalJSON };

/**
 * The payload hash of a command: lowercase hex sha256 of its canonical JSON. Hashes the whole
 * command (including `severity` and `metadata`): resubmitting an `action_id` with anything
 * changed is a different request.
 *
 * @example
 * ```ts
 * payloadHash({ action_id: 'a-1', command_type: 'REFRESH_TOKEN', params: { service: 'slack' } });
 * // '3c1f…' (64 hex characters), identical whatever the key order of the input
 * ```
 */
export function payloadHash(command: unknown): string {
  return createHash('sha256').update(canonicalJSON(command), 'utf8').digest('hex');
}
