import type { ActionStatus } from '../core/types.ts';

/** The outcome of processing one job. */
export interface ProcessResult {
  readonly status: ActionStatus | 'DUPLICATE';
  readonly agentId?: string;
  readonly actionId?: string;
}
