/**
 * How a field is named in error details: dotted (`params.line_items.0.quantity`), with keys that
 * would make a dotted path ambiguous quoted (`metadata["a.b"]`). The root is the empty string.
 */

const PLAIN_KEY = /^[A-Za-z0-9_$-]+$/;

/**
 * Formats a field path.
 *
 * @example
 * ```ts
 * formatPath(['params', 'line_items', 0, 'quantity']); // 'params.line_items.0.quantity'
 * formatPath(['metadata', 'a.b']);                     // 'metadata["a.b"]'
 * ```
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    const s = String(seg);
    if (typeof seg === 'number' || PLAIN_KEY.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
