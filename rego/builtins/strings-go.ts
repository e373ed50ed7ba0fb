/**
 * Strings as Go sees them, for the builtins that must match Go's output on JS strings: strconv
 * quoting and IsPrint (sprintf's `%q`, regex's messages), and code points counted and stepped
 * over the way Go's utf8 package does (a surrogate pair is one code point).
 */

const PRINT_RE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function goIsPrint(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return PRINT_RE.test(String.fromCodePoint(r));
}

/** Number of code points in s (Go's utf8.RuneCountInString). */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low surrogate is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** UTF-16 width of the code point starting at s[i] (0 at the end). */
export function cpWidth(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

export const HEX = '0123456789abcdef';

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return `\\${String.fromCodePoint(r)}`;
  if (asciiOnly) {
    if (r < 0x80 && goIsPrint(r)) return String.fromCodePoint(r);
  } else if (goIsPrint(r)) {
    return String.fromCodePoint(r);
  }
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return `\\x${HEX[r >> 4]}${HEX[r & 15]}`;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return `\\u${r.toString(16).padStart(4, '0')}`;
  return `\\U${r.toString(16).padStart(8, '0')}`;
}

/** Go's strconv.Quote (or QuoteToASCII), with `"` or `'` as the quote character. */
export function goQuote(s: string, asciiOnly = false, quote = '"'): string {
  const q = quote.charCodeAt(0);
  let out = quote;
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, q, asciiOnly);
  return out + quote;
}

/** Go's strconv.QuoteRune / QuoteRuneToASCII. */
export function goQuoteRune(r: number, asciiOnly: boolean): string {
  if (r > 0x10ffff || r < 0 || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return `'${escapeRune(r, 0x27, asciiOnly)}'`;
}

/** Go's strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0xfeff) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
    if ((r < 0x20 && r !== 0x09) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}
