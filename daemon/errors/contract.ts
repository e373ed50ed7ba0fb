/**
 * Errors of the command contract (`daemon/contract/`): what an agent sent is not a command.
 * Each carries `params.details = { issues: [{ path, code, message }] }` so the agent can fix the
 * named field; none is retryable, because the same bytes will fail the same way.
 */
import { defineErrors } from './registry.ts';

export const ContractErrors = defineErrors('CONTRACT', {
  INVALID: {
    status: 400,
    message: 'invalid command: {summary}',
    doc: 'The command does not match the contract (`docs/command.schema.json`): a field is missing, has the wrong type or format, is out of range, or is not part of the contract (including `agent`: identity comes from the credential). `error.details.issues` names every field and why; fix those and resubmit.',
  },
  TOO_LARGE: {
    status: 413,
    message: 'command is too large: {bytes} bytes, the limit is {limit}',
    doc: 'The serialized command exceeds `MAX_COMMAND_BYTES`. Send less (fewer line items, shorter metadata) or split the work into several commands.',
  },
  FORBIDDEN_KEY: {
    status: 400,
    message: 'forbidden key {key} at {path}',
    doc: 'A key named `__proto__`, `constructor` or `prototype` appears somewhere in the command. They are refused outright because they are the vehicle of prototype-pollution attacks; no legitimate command needs them.',
  },
  NOT_JSON: {
    status: 400,
    message: 'command is not valid JSON: {reason}',
    doc: 'The request body (or the file given to `orchestrator submit`) could not be parsed as JSON. Send a single JSON object encoded as UTF-8.',
  },
});
