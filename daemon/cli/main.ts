#!/usr/bin/env node
/**
 * `orchestrator` — the command line for on-call staff, security teams and agents' developers.
 *
 *   orchestrator start                      run the daemon (what `npm start` does)
 *   orchestrator submit <file|->            submit a command over HTTP
 *   orchestrator status [action_id]         the kill switch and poller, or one action
 *   orchestrator pause|resume --reason …    stop / restart taking commands (every replica)
 *   orchestrator halt|release --reason … [--connector X | --command-type T | --agent A]
 *                                           the kill switch: master, or one scope
 *   orchestrator policy test [dir]          run the policy's tests (like `opa test`)
 *   orchestrator policy eval --input <file> evaluate the decision for an input document
 *   orchestrator policy check [dir]         compile and test without evaluating
 *   orchestrator approvals list|approve|reject   commands waiting for a person
 *   orchestrator jury report [--days N]     how well the jury agrees with people
 *   orchestrator migrate                    apply ledger migrations and exit
 *
 * Client commands read ORCHESTRATOR_URL (default http://127.0.0.1:8080) and ORCHESTRATOR_TOKEN.
 */
import { OrchestratorError } from '../errors/registry.ts';
import { SdkError } from '../sdk/index.ts';
import { buildProgram, fail } from './program.ts';

buildProgram()
  .parseAsync()
  .catch((err: unknown) => {
    if (err instanceof OrchestratorError) fail(`${err.code}: ${err.message}`);
    if (err instanceof SdkError) fail(`${err.code}: ${err.message}`);
    fail(err instanceof Error ? err.message : String(err));
  });
