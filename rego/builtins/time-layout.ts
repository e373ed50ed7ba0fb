/**
 * Go's reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`): the layout tokens and
 * formatting as Go's `time.Time.Format` does it. Parsing, which walks the same tokens, is in
 * time-parse.ts.
 */
import type { Civil } from './time-civil.ts';

export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
export const LONG_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

/** Layout names OPA accepts in place of a layout (Go's constants). */
export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

// ---------------------------------------------------------------------------------------------
// Layout tokens (Go's nextStdChunk)

type Std =
  | 'Jan'
  | 'January'
  | '1'
  | '01'
  | 'Mon'
  | 'Monday'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '06'
  | '2006'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z070000'
  | 'Z07:00:00'
  | 'Z0700'
  | 'Z07:00'
  | 'Z07'
  | '-070000'
  | '-07:00:00'
  | '-0700'
  | '-07:00'
  | '-07'
  | 'frac0'
  | 'frac9';

interface Chunk {
  prefix: string;
  std?: Std;
  /** Fraction digits (frac0/frac9). */
  digits?: number;
  /** Fraction separator. */
  sep?: string;
  /** The layout text of the token. */
  text: string;
  suffix: string;
}

const STD0X: Std[] = ['01', '02', '03', '04', '05', '06'];
const TZ_DASH: Std[] = ['-070000', '-07:00:00', '-0700', '-07:00', '-07'];
const TZ_Z: Std[] = ['Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07'];

function isLower(c: string | undefined): boolean {
  return c !== undefined && c >= 'a' && c <= 'z';
}

export function isDigitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= '0' && c <= '9';
}

export function nextChunk(layout: string): Chunk {
  const mk = (i: number, std: Std, len: number, extra?: Partial<Chunk>): Chunk => ({
    prefix: layout.slice(0, i),
    std,
    text: layout.slice(i, i + len),
    suffix: layout.slice(i + len),
    ...extra,
  });
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i] as string;
    const rest = layout.slice(i);
    switch (c) {
      case 'J':
        if (rest.startsWith('Jan')) {
          if (rest.startsWith('January')) return mk(i, 'January', 7);
          if (!isLower(layout[i + 3])) return mk(i, 'Jan', 3);
        }
        break;
      case 'M':
        if (rest.startsWith('Mon')) {
          if (rest.startsWith('Monday')) return mk(i, 'Monday', 6);
          if (!isLower(layout[i + 3])) return mk(i, 'Mon', 3);
        }
        if (rest.startsWith('MST')) return mk(i, 'MST', 3);
        break;
      case '0': {
        const n = layout[i + 1];
        if (n !== undefined && n >= '1' && n <= '6') return mk(i, STD0X[n.charCodeAt(0) - 49] as Std, 2);
        if (rest.startsWith('002')) return mk(i, '002', 3);
        break;
      }
      case '1':
        if (layout[i + 1] === '5') return mk(i, '15', 2);
        return mk(i, '1', 1);
      case '2':
        if (rest.startsWith('2006')) return mk(i, '2006', 4);
        return mk(i, '2', 1);
      case '_':
        if (layout[i + 1] === '2') {
          // `_2006` is a literal `_` followed by the long year.
          if (rest.startsWith('_2006')) return mk(i + 1, '2006', 4);
          return mk(i, '_2', 2);
        }
        if (rest.startsWith('__2')) return mk(i, '__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return mk(i, c as Std, 1);
      case 'P':
        if (layout[i + 1] === 'M') return mk(i, 'PM', 2);
        break;
      case 'p':
        if (layout[i + 1] === 'm') return mk(i, 'pm', 2);
        break;
      case '-':
        for (const t of TZ_DASH) if (rest.startsWith(t)) return mk(i, t, t.length);
        break;
      case 'Z':
        for (const t of TZ_Z) if (rest.startsWith(t)) return mk(i, t, t.length);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            return mk(i, ch === '0' ? 'frac0' : 'frac9', j - i, { digits: j - (i + 1), sep: c });
          }
        }
        break;
      }
    }
  }
  return { prefix: layout, text: '', suffix: '' };
}

// ---------------------------------------------------------------------------------------------
// Formatting

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

function formatOffset(std: Std, offset: number): string {
  if (offset === 0 && std.startsWith('Z')) return 'Z';
  let zone = Math.trunc(offset / 60);
  let abs = offset;
  let out = '+';
  if (zone < 0) {
    out = '-';
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.floor(zone / 60), 2);
  const colon = std.includes(':');
  if (colon) out += ':';
  if (std !== '-07' && std !== 'Z07') out += pad(zone % 60, 2);
  if (std === 'Z070000' || std === '-070000' || std === 'Z07:00:00' || std === '-07:00:00') {
    if (colon) out += ':';
    out += pad(abs % 60, 2);
  }
  return out;
}

function formatNano(nsec: number, digits: number, sep: string, trim: boolean): string {
  if (trim && (digits === 0 || nsec === 0)) return '';
  let s = String(nsec).padStart(9, '0');
  if (digits < 9) s = s.slice(0, digits);
  if (trim) s = s.replace(/0+$/, '');
  return s === '' && trim ? '' : sep + s;
}

/** Go's `Time.Format(layout)` for a broken-down time. */
export function formatLayout(t: Civil, layout: string): string {
  let out = '';
  let rest = layout;
  for (;;) {
    const ch = nextChunk(rest);
    out += ch.prefix;
    if (!ch.std) break;
    rest = ch.suffix;
    const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
    switch (ch.std) {
      case '06':
        out += pad(t.year % 100, 2);
        break;
      case '2006':
        out += pad(t.year, 4);
        break;
      case 'Jan':
        out += SHORT_MONTHS[t.month - 1];
        break;
      case 'January':
        out += LONG_MONTHS[t.month - 1];
        break;
      case '1':
        out += t.month;
        break;
      case '01':
        out += pad(t.month, 2);
        break;
      case 'Mon':
        out += SHORT_DAYS[t.weekday];
        break;
      case 'Monday':
        out += LONG_DAYS[t.weekday];
        break;
      case '2':
        out += t.day;
        break;
      case '_2':
        out += (t.day < 10 ? ' ' : '') + t.day;
        break;
      case '02':
        out += pad(t.day, 2);
        break;
      case '__2':
        out += String(t.yday).padStart(3, ' ');
        break;
      case '002':
        out += pad(t.yday, 3);
        break;
      case '15':
        out += pad(t.hour, 2);
        break;
      case '3':
        out += h12;
        break;
      case '03':
        out += pad(h12, 2);
        break;
      case '4':
        out += t.minute;
        break;
      case '04':
        out += pad(t.minute, 2);
        break;
      case '5':
        out += t.second;
        break;
      case '05':
        out += pad(t.second, 2);
        break;
      case 'PM':
        out += t.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += t.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        if (t.zone !== '') {
          out += t.zone;
        } else {
          const z = Math.trunc(t.offset / 60);
          out += (z < 0 ? '-' : '+') + pad(Math.floor(Math.abs(z) / 60), 2) + pad(Math.abs(z) % 60, 2);
        }
        break;
      case 'frac0':
      case 'frac9':
        out += formatNano(t.nsec, ch.digits ?? 0, ch.sep ?? '.', ch.std === 'frac9');
        break;
      default:
        out += formatOffset(ch.std, t.offset);
    }
  }
  return out;
}
