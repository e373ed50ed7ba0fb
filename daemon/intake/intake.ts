/**
 * The intake: validates a submitted command, records it in the ledger and puts it on its queue.
 *
 * Order matters for "nothing lost": the ledger record is written first, then the job. If the
 * enqueue fails the agent gets 503 and retries with the same action_id; the retry finds the
 * QUEUED record and enqueues again (the job id is derived from agent + action_id, so BullMQ
 * never holds two jobs for one action).
 */
import type { Queue } from 'bullmq';
import { payloadHash } from '../contract/canonical.ts';
import { validateCommand } from '../contract/command.ts';
import type { EventBus } from '../core/events.ts';
import type { IntakeService, Ledger, SubmitResult } from '../core/types.ts';
import { IntakeErrors } from '../errors/intake.ts';
import { OrchestratorError } from '../errors/registry.ts';
import { jobIdFor } from '../sdk/index.ts';

export interface IntakeDeps {
  readonly ledger: Ledger;
  /** Queue name → BullMQ queue. */
  readonly queues: ReadonlyMap<string, Queue>;
  readonly defaultQueue: string;
  readonly maxCommandBytes: number;
  readonly maxStringLength: number;
  readonly bus: EventBus;
}

export class Intake implements IntakeService {
  private readonly d: IntakeDeps;
  constructor(deps: IntakeDeps) {
    this.d = deps;
  }

  /**
   * @example
   * ```ts
   * const { httpStatus, action } = await intake.submit({ id: 'agent-7' }, body);
   * ```
   */
  async submit(
    agent: { readonly id: string; readonly queue?: string },
    body: unknown,
  ): Promise<SubmitResult> {
    const v = validateCommand(body, {
      maxBytes: this.d.maxCommandBytes,
      maxStringLength: this.d.maxStringLength,
    });
    if (!v.ok) throw v.error;
    const command = v.command as unknown as Record<string, unknown> & {
      action_id: string;
      command_type: string;
    };
    const queueName = agent.queue ?? this.d.defaultQueue;
    const queue = this.d.queues.get(queueName);
    if (!queue) throw new OrchestratorError(IntakeErrors.QUEUE_NOT_ALLOWED, { queue: queueName });
    const hash = payloadHash(command);

    let created: boolean;
    let action: SubmitResult['action'];
    try {
      ({ created, action } = await this.d.ledger.createAction({
        agentId: agent.id,
        actionId: command.action_id,
        commandType: command.command_type,
        command,
        payloadHash: hash,
        queue: queueName,
      }));
    } catch (err) {
      throw unavailable(err, 'ledger unavailable');
    }
    if (!created && action.payloadHash !== hash) {
      throw new OrchestratorError(IntakeErrors.CONFLICT, { actionId: command.action_id });
    }
    // A record still QUEUED may never have reached Redis (an earlier enqueue failed): add again.
    if (created || action.status === 'QUEUED') {
      try {
        await queue.add(
          command.command_type,
          // `recorded`: the ledger already has this action, so the worker skips the fast path.
          { agent_id: agent.id, command, recorded: true },
          { jobId: jobIdFor(agent.id, command.action_id) },
        );
      } catch (err) {
        throw unavailable(err, 'queue unavailable');
      }
    }
    if (created) {
      this.d.bus.emit('transition', {
        agentId: agent.id,
        actionId: command.action_id,
        commandType: command.command_type,
        from: undefined,
        to: 'QUEUED',
        payload: { source: 'http' },
      });
    }
    return { httpStatus: created ? 202 : 200, action };
  }
}

function unavailable(err: unknown, reason: string): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  return new OrchestratorError(IntakeErrors.UNAVAILABLE, { reason }, { cause: err });
}
