/**
 * A Slack incoming-webhook stand-in: `POST /services/T…/B…/…` with a JSON body. Like Slack, it
 * answers `200 ok` for a message it can render and `400 invalid_blocks` when the Block Kit is
 * malformed: only known block types; `header` with `plain_text` of at most 150 characters;
 * `section` with `text` (at most 3000) and/or `fields` (at most 10, each at most 2000);
 * `context` with 1 to 10 text or image elements; at most 50 blocks; a `text` or `blocks`.
 */
import { type Answer, type HttpStandIn, startHttpStandIn } from './http-standin.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function textObject(v: unknown, max: number, types: readonly string[]): string | undefined {
  if (!isObj(v)) return 'text object missing';
  if (!types.includes(String(v.type))) return `text type ${String(v.type)} not allowed here`;
  if (typeof v.text !== 'string' || v.text.length === 0) return 'text must be a non-empty string';
  if (v.text.length > max) return `text longer than ${max}`;
  return undefined;
}

/** Why Slack would refuse these blocks, or undefined when it would render them. */
export function blockProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks) || blocks.length > 50) return 'blocks must be an array of at most 50';
  for (const [i, b] of blocks.entries()) {
    if (!isObj(b)) return `blocks[${i}] is not an object`;
    let p: string | undefined;
    if (b.type === 'header') p = textObject(b.text, 150, ['plain_text']);
    else if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) p = 'section needs text or fields';
      if (!p && b.text !== undefined) p = textObject(b.text, 3_000, ['plain_text', 'mrkdwn']);
      if (!p && b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) p = 'fields: 1 to 10';
        else for (const f of b.fields) p ??= textObject(f, 2_000, ['plain_text', 'mrkdwn']);
      }
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) {
        p = 'context elements: 1 to 10';
      } else for (const e of b.elements) p ??= textObject(e, 2_000, ['plain_text', 'mrkdwn']);
    } else if (b.type !== 'divider') p = `unknown block type ${String(b.type)}`;
    if (p) return `blocks[${i}]: ${p}`;
  }
  return undefined;
}

/**
 * @example
 * ```ts
 * const slack = await startSlackStandIn();
 * slack.failNext(3); // Slack is down for three requests
 * ```
 */
export function startSlackStandIn(): Promise<HttpStandIn> {
  return startHttpStandIn('/services/T0000000/B0000000/standin0000000000000000', (req): Answer => {
    const body = req.body as Obj;
    if (!isObj(body) || (body.text === undefined && body.blocks === undefined)) {
      return { status: 400, body: 'no_text', problem: 'neither text nor blocks' };
    }
    if (body.text !== undefined && typeof body.text !== 'string') {
      return { status: 400, body: 'invalid_payload', problem: 'text is not a string' };
    }
    const p = body.blocks === undefined ? undefined : blockProblem(body.blocks);
    if (p) return { status: 400, body: 'invalid_blocks', problem: p };
    return { status: 200, body: 'ok' };
  });
}
