/**
 * Plain-text output of `orchestrator pause|resume|halt|release|status`: what an on-call person
 * reads at 3 a.m. (`--json` prints the daemon's answer instead).
 */

type Json = Record<string, unknown>;

function halts(scopes: unknown): string[] {
  const out: string[] = [];
  for (const [kind, entries] of Object.entries((scopes ?? {}) as Record<string, Record<string, Json>>)) {
    for (const [value, h] of Object.entries(entries ?? {})) {
      out.push(`  ${kind}:${value}  halted by ${String(h.by)} at ${String(h.at)}: ${String(h.reason)}`);
    }
  }
  return out;
}

/**
 * One flip's answer as text.
 *
 * @example
 * ```ts
 * formatFlip({ operation: 'halt', target: 'master', version: 7, ms: 41.2, acknowledged_by: ['a', 'b'] });
 * // 'HALTED master (switch version 7) in 41 ms; acknowledged by 2 replica(s): a, b\n'
 * ```
 */
export function formatFlip(r: Json): string {
  const acked = (r.acknowledged_by as string[] | undefined) ?? [];
  const ms = Math.round(Number(r.ms ?? 0));
  switch (r.operation) {
    case 'pause':
      return `PAUSED the poller: no replica takes new commands; in-flight commands finish.\n`;
    case 'resume':
      return `RESUMED the poller: waiting commands are evaluated by the policy in force now.\n`;
    case 'halt':
      return `HALTED ${String(r.target)} (switch version ${String(r.version)}) in ${ms} ms; acknowledged by ${acked.length} replica(s): ${acked.join(', ')}\n`;
    case 'release_requested': {
      const p = (r.pending ?? {}) as Json;
      return `RELEASE REQUESTED by ${String(p.requested_by)}: the master switch stays halted until a different person runs \`orchestrator release\` within ${Math.round(Number(p.expires_in_ms ?? 0) / 1000)} s.\n`;
    }
    case 'release':
      return `RELEASED ${String(r.target)} (switch version ${String(r.version)}) in ${ms} ms; acknowledged by ${acked.length} replica(s); ${String(r.requeued ?? 0)} held action(s) requeued for re-evaluation\n`;
    default:
      return `${JSON.stringify(r)}\n`;
  }
}

/**
 * `GET /v1/control/status` as text.
 *
 * @example
 * ```ts
 * process.stdout.write(formatStatus(await controlStatus(client)));
 * ```
 */
export function formatStatus(s: Json): string {
  const m = (s.master ?? {}) as Json;
  const lines = [
    `switch version: ${String(s.version)}`,
    m.halted
      ? `master: HALTED by ${String(m.by)} at ${String(m.at)}: ${String(m.reason)}`
      : `master: running${m.by ? ` (last released by ${String(m.by)} at ${String(m.at)})` : ''}`,
  ];
  const scoped = halts(s.scopes);
  lines.push(scoped.length > 0 ? `scoped halts: ${scoped.length}` : 'scoped halts: none', ...scoped);
  const pending = s.pending_release as Json | null;
  if (pending)
    lines.push(
      `pending release: requested by ${String(pending.by)} at ${String(pending.at)}: ${String(pending.reason)}`,
    );
  const queues = (s.queues as { name: string; paused: boolean }[] | undefined) ?? [];
  lines.push(
    `poller: ${s.paused ? 'PAUSED' : 'running'} (${queues.map((q) => `${q.name}${q.paused ? ' paused' : ''}`).join(', ')})`,
    `held actions: ${String(s.held_actions)}`,
    `two-person release: ${s.two_person_rule ? 'on' : 'off'}`,
  );
  const replicas =
    (s.replicas as { id: string; acked: number | null; seenAt: string | null; inFlight: number }[]) ?? [];
  lines.push(`replicas: ${replicas.length}`);
  for (const r of replicas) {
    lines.push(
      `  ${r.id}  acked version ${String(r.acked)}, seen ${String(r.seenAt)}, ${r.inFlight} call(s) in flight`,
    );
  }
  return `${lines.join('\n')}\n`;
}
