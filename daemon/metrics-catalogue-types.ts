/** Types of the metrics catalogue (daemon/metrics-catalogue.ts), apart so its parts can share them. */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export const METRIC_AREAS = [
  'Commands and pipeline',
  'Policy',
  'Jury',
  'Connectors',
  'Alerts',
  'Queues',
  'HTTP',
  'Kill switch',
  'Process',
] as const;
export type MetricArea = (typeof METRIC_AREAS)[number];

export interface MetricEntry {
  readonly name: string;
  readonly type: MetricType;
  readonly area: MetricArea;
  /** Base unit (`seconds`, `bytes`, `USD`), or what is counted (`commands`, `calls`). */
  readonly unit: string;
  /** Label name → its possible values (a list, or a sentence when the set is open but bounded). */
  readonly labels: Readonly<Record<string, string>>;
  /** What it means, for someone reading a graph at 3 a.m. */
  readonly meaning: string;
}

/**
 * One catalogue entry.
 *
 * @example
 * ```ts
 * m('Queues', 'orchestrator_queue_jobs', 'gauge', 'jobs', { queue: 'queue name' }, 'Jobs by state.');
 * ```
 */
export function m(
  area: MetricArea,
  name: string,
  type: MetricType,
  unit: string,
  labels: Readonly<Record<string, string>>,
  meaning: string,
): MetricEntry {
  return { name, type, area, unit, labels, meaning };
}
