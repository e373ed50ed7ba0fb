/**
 * The jury step of the pipeline: a judge-bound command goes to the LLM panel (judges/), whose
 * outcome, votes, costs and prompt hashes are recorded with the transition.
 */
import type { JuryRequest, JuryResult } from '../../judges/jury.ts';
import type { EventBus } from '../core/events.ts';
import type { ActionRecord, ActionStatus, HistoryContext, PolicyDecision } from '../core/types.ts';
import type { Recorder } from './recorder.ts';

/** What the jury step needs of the pipeline's dependencies. */
export interface JuryStepDeps {
  readonly jury?: ((request: JuryRequest) => Promise<JuryResult>) | undefined;
  readonly juryShadow?: boolean | undefined;
  readonly bus: EventBus;
}

/** What the ledger keeps of a jury run: every juror's vote, its cost and the prompt it saw. */
function juryRecord(r: JuryResult): Record<string, unknown> {
  return {
    outcome: r.outcome,
    approvals: r.approvals,
    required: r.required,
    wall_ms: Math.round(r.wallMs),
    cost_usd: r.costUsd,
    ...(r.skipped ? { skipped: r.skipped } : {}),
    votes: r.votes.map((v) => ({
      juror: v.juror,
      model: v.model,
      status: v.status,
      verdict: v.verdict,
      confidence: v.confidence,
      rationale: v.rationale,
      risk_flags: v.risk_flags,
      latency_ms: Math.round(v.latencyMs),
      tokens: v.tokens,
      cost_usd: v.costUsd,
      prompt_hash: v.promptHash,
    })),
  };
}

/** The service a command names in `params.service`, if any. */
export function serviceOf(command: Record<string, unknown>): string | undefined {
  const params = (command.params ?? {}) as Record<string, unknown>;
  return typeof params.service === 'string' ? params.service : undefined;
}

/**
 * Asks the jury. A majority (or the panel's rule) approves → APPROVED (executed next); anything
 * else, including a jury that cannot answer, → NEEDS_APPROVAL with an alert. In shadow mode the
 * verdict is recorded and a person decides every time.
 *
 * @example
 * ```ts
 * const status = await askJury(deps, recorder, action, command, decision, history);
 * // 'APPROVED' | 'NEEDS_APPROVAL' | 'RACED'
 * ```
 */
export async function askJury(
  d: JuryStepDeps,
  rec: Recorder,
  action: ActionRecord,
  command: Record<string, unknown>,
  decision: PolicyDecision,
  history: HistoryContext,
): Promise<ActionStatus | 'RACED'> {
  let result: JuryResult | undefined;
  let failure: string | undefined;
  try {
    result = await d.jury!({
      command,
      policy: { risk: decision.risk, reasons: decision.reasons },
      history,
      agent: { id: action.agentId, queue: action.queue },
    });
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  const jury = result ? juryRecord(result) : null;
  if (result) {
    d.bus.emit('judged', {
      agentId: action.agentId,
      actionId: action.actionId,
      commandType: action.commandType,
      outcome: result.outcome,
      wallMs: result.wallMs,
      votes: result.votes.map((v) => ({
        juror: v.juror,
        status: v.status,
        verdict: v.verdict,
        latencyMs: v.latencyMs,
        tokens: { prompt: v.tokens.prompt, completion: v.tokens.completion },
        costUsd: v.costUsd,
      })),
    });
  }
  // Shadow mode: the verdict is recorded so it can be compared with people's decisions, but a
  // person decides every judge-bound command.
  if (result?.outcome === 'approve' && !d.juryShadow) {
    return (await rec.move(action, 'APPROVED', { jury }, { from: ['JUDGING'] })) ? 'APPROVED' : 'RACED';
  }
  const reason = failure
    ? 'the jury could not answer: a person must decide'
    : d.juryShadow
      ? 'jury in shadow mode: its verdict is recorded; a person decides'
      : 'the jury did not approve: a person must decide';
  if (
    !(await rec.move(
      action,
      'NEEDS_APPROVAL',
      { reason, jury, ...(failure ? { error: failure } : {}) },
      { from: ['JUDGING'] },
    ))
  ) {
    return 'RACED';
  }
  if (failure) {
    rec.alert(
      'jury_unavailable',
      'high',
      `Jury could not decide ${action.actionId}`,
      {
        agent: action.agentId,
        service: serviceOf(command) ?? null,
        action_id: action.actionId,
        command_type: action.commandType,
        error: failure,
      },
      ['operations', 'engineering'],
    );
  }
  rec.needsApproval(action);
  return 'NEEDS_APPROVAL';
}
