/**
 * The delivery queue's job contract and the Redis keys beside it. Shared by the producer
 * (`AlertService.raise`/`resolve`) and the worker, and validated on both ends: the queue is not
 * trusted.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AlertSchema } from './model.ts';
import { SINK_NAMES, type SinkName } from './routes.ts';

export const TriggerJobSchema = z.strictObject({
  action: z.literal('trigger'),
  sink: z.enum(SINK_NAMES),
  alert: AlertSchema,
});

export const ResolveJobSchema = z.strictObject({
  action: z.literal('resolve'),
  sink: z.enum(SINK_NAMES),
  dedupKey: AlertSchema.shape.dedupKey,
  /** The trigger job this resolve must not overtake, when one was queued within the window. */
  triggerJobId: z.string().min(1).max(200).optional(),
});

export const DeliveryJobSchema = z.discriminatedUnion('action', [TriggerJobSchema, ResolveJobSchema]);
export type DeliveryJob = z.output<typeof DeliveryJobSchema>;

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * Redis key holding "this dedup key was queued for this sink", with the trigger job's id as
 * value. Scoped by queue name so two deployments (or two tests) sharing a Redis do not
 * suppress each other's alerts. Keys are hashed: dedup keys hold agent-chosen text.
 */
export function dedupRedisKey(queue: string, sink: SinkName, dedupKey: string): string {
  return `orchestrator:alerts:${queue}:dedup:${sink}:${digest(dedupKey)}`;
}

/** BullMQ job ids may not contain `:`; one id per (alert occurrence, sink). */
export function triggerJobId(sink: SinkName, dedupKey: string, createdAt: string): string {
  return `t-${sink}-${digest(`${dedupKey}\n${createdAt}`)}`;
}

export function resolveJobId(sink: SinkName, dedupKey: string, at: number): string {
  return `r-${sink}-${digest(`${dedupKey}\n${at}`)}`;
}
