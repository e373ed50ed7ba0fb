/**
 * The error registry with every area's codes loaded. Import from here (not from `registry.ts`)
 * wherever the complete list matters — `allErrorCodes()` only knows the areas whose modules have
 * been imported, so `scripts/gen-errors-doc.ts` and the docs test rely on this list being whole.
 *
 * The list is static on purpose (no directory scan): a bundler, `tsc` and `dpdm` all see it.
 * Adding an area: create `daemon/errors/<area>.ts` with `defineErrors('<AREA>', …)`, add its
 * export below, then regenerate `docs/errors.md` (`npm run docs:errors`). `tests/daemon/docs.test.ts`
 * fails when a module in this folder is missing from the list.
 *
 * @example
 * ```ts
 * import { allErrorCodes, ContractErrors, OrchestratorError } from '../errors/index.ts';
 * throw new OrchestratorError(ContractErrors.NOT_JSON, { reason: 'Unexpected end of JSON input' });
 * ```
 */
export * from './api.ts';
export * from './alerts.ts';
export * from './approvals.ts';
export * from './config.ts';
export * from './contract.ts';
export * from './control.ts';
export * from './intake.ts';
export * from './ledger.ts';
export * from './pipeline.ts';
export * from './policy.ts';
export * from './registry.ts';
export * from './sessions.ts';
export * from './connector.ts';
