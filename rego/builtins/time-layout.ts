/**
 * Go's reference-time layouts (`Mon Jan 2 15:04:05 MST 2006`): formatting and parsing as
 * Go's `time.Time.Format` and `time.Parse` do, plus proleptic-Gregorian civil-date helpers.
 *
 * Parsing returns the instant only. As in OPA (which calls `time.Parse`, i.e. the default
 * location UTC and the process's local zone, assumed UTC here), a numeric offset (`-07:00`)
 * shifts the instant, `Z`/`UTC` mean UTC, and any other zone abbreviation (`MST`, `GMT+3`)
 * is recorded by Go without changing the wall clock, so it does not affect the instant.
 */

// ---------------------------------------------------------------------------------------------
// Civil dates

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

/** Days in month m (1-12) of year y. */
export function daysIn(m: number, y: number): number {
  if (m === 2 && isLeap(y)) return 29;
  return (DAYS_BEFORE[m] as number) - (DAYS_BEFORE[m - 1] as number);
}

/** Days since 1970-01-01 of y-m-d (m 1-12; d may overflow, it is simply added). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = floorDiv(yy, 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number (days since 1970-01-01). */
export function civilFromDays(z: number): { year: number; month: number; day: number } {
  const zz = z + 719468;
  const era = floorDiv(zz, 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** A broken-down time in some zone. */
export interface Civil {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nsec: number;
  /** 0 = Sunday */
  weekday: number;
  /** 1-366 */
  yday: number;
  /** Seconds east of UTC. */
  offset: number;
  /** Zone abbreviation (`UTC`, `EST`, `+0530`); empty when unknown. */
  zone: string;
}

/** Breaks down local seconds (UTC seconds + offset) into a {@link Civil}. */
export function civilFromLocal(localSec: number, nsec: number, offset: number, zone: string): Civil {
  const days = floorDiv(localSec, 86400);
  const sod = localSec - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(sod / 3600),
    minute: Math.floor((sod % 3600) / 60),
    second: sod % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
    zone,
  };
}

export const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SHORT_DAYS = LONG_DAYS.map((d) => d.slice(0, 3));
const LONG_MONTHS = [
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
const SHORT_MONTHS = LONG_MONTHS.map((m) => m.slice(0, 3));

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

function isDigitAt(s: string, i: number): boolean {
  const c = s[i];
  return c !== undefined && c >= '0' && c <= '9';
}

function nextChunk(layout: string): Chunk {
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

// ---------------------------------------------------------------------------------------------
// Parsing

/** A parse failure; the message is Go's. */
export class TimeParseError extends Error {}

/** Go's time-package quoting (non-ASCII and control bytes as `\xNN`). */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c >= 0x80 || c < 0x20) {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return `${out}"`;
}

class Bad extends Error {}
const BAD = new Bad();

function cutspace(s: string): string {
  let i = 0;
  while (s[i] === ' ') i++;
  return s.slice(i);
}

function skip(value: string, prefix: string): string {
  while (prefix.length > 0) {
    if (prefix[0] === ' ') {
      if (value.length > 0 && value[0] !== ' ') throw BAD;
      prefix = cutspace(prefix);
      value = cutspace(value);
      continue;
    }
    if (value.length === 0 || value[0] !== prefix[0]) throw BAD;
    prefix = prefix.slice(1);
    value = value.slice(1);
  }
  return value;
}

/** Go's atoi: optional sign, digits (none is 0), nothing else. */
function atoi(s: string): number {
  const m = /^[+-]?(\d*)$/.exec(s);
  if (!m) throw BAD;
  const n = Number(m[1] || '0');
  if (n > 2 ** 63) throw BAD;
  return s.startsWith('-') ? -n : n;
}

function getnum(s: string, fixed: boolean): [number, string] {
  if (!isDigitAt(s, 0)) throw BAD;
  if (!isDigitAt(s, 1)) {
    if (fixed) throw BAD;
    return [s.charCodeAt(0) - 48, s.slice(1)];
  }
  return [(s.charCodeAt(0) - 48) * 10 + (s.charCodeAt(1) - 48), s.slice(2)];
}

function getnum3(s: string, fixed: boolean): [number, string] {
  let n = 0;
  let i = 0;
  for (; i < 3 && isDigitAt(s, i); i++) n = n * 10 + (s.charCodeAt(i) - 48);
  if (i === 0 || (fixed && i !== 3)) throw BAD;
  return [n, s.slice(i)];
}

function lookupName(tab: string[], val: string): [number, string] {
  for (let i = 0; i < tab.length; i++) {
    const v = tab[i] as string;
    if (val.length >= v.length && val.slice(0, v.length).toLowerCase() === v.toLowerCase()) {
      // Go's match is ASCII case-insensitive; the names are ASCII.
      if (/^[\x20-\x7e]*$/.test(val.slice(0, v.length))) return [i, val.slice(v.length)];
    }
  }
  throw BAD;
}

function commaOrPeriod(c: string | undefined): boolean {
  return c === '.' || c === ',';
}

/** Go's parseNanoseconds; returns [nsec, rangeError]. */
function parseNanoseconds(value: string, nbytes: number): [number, string] {
  if (!commaOrPeriod(value[0])) throw BAD;
  if (nbytes > 10) nbytes = 10;
  const ns = atoi(value.slice(1, nbytes));
  if (ns < 0) return [0, 'fractional second'];
  return [ns * 10 ** (10 - nbytes), ''];
}

function leadingInt(s: string): [number, string] {
  let i = 0;
  let x = 0;
  for (; i < s.length && isDigitAt(s, i); i++) {
    x = x * 10 + (s.charCodeAt(i) - 48);
    if (x > 2 ** 63) throw BAD;
  }
  return [x, s.slice(i)];
}

function parseSignedOffset(value: string): number {
  const sign = value[0];
  if (sign !== '-' && sign !== '+') return 0;
  let x: number;
  let rem: string;
  try {
    [x, rem] = leadingInt(value.slice(1));
  } catch {
    return 0;
  }
  if (rem === value.slice(1) || x > 24) return 0;
  return value.length - rem.length;
}

/** Length of a zone abbreviation at the start of value, or 0. */
function parseTimeZone(value: string): number {
  if (value.length < 3) return 0;
  if (value.startsWith('ChST') || value.startsWith('MeST')) return 4;
  if (value.startsWith('GMT')) {
    const rest = value.slice(3);
    return rest.length === 0 ? 3 : 3 + parseSignedOffset(rest);
  }
  if (value[0] === '+' || value[0] === '-') return parseSignedOffset(value);
  let n = 0;
  while (n < 6 && n < value.length && (value[n] as string) >= 'A' && (value[n] as string) <= 'Z') n++;
  switch (n) {
    case 3:
      return 3;
    case 4:
      return value[3] === 'T' || value.startsWith('WITA') ? 4 : 0;
    case 5:
      return value[4] === 'T' ? 5 : 0;
    default:
      return 0;
  }
}

/** The parsed instant: seconds since the epoch and nanoseconds. */
export interface Instant {
  sec: number;
  nsec: number;
}

/** Go's `time.Parse(layout, value)` (default location UTC). */
export function parseLayout(layout: string, value: string): Instant {
  const alayout = layout;
  const avalue = value;
  const parseError = (layoutElem: string, valueElem: string, message: string): never => {
    throw new TimeParseError(
      message === ''
        ? `parsing time ${goTimeQuote(avalue)} as ${goTimeQuote(alayout)}: cannot parse ${goTimeQuote(valueElem)} as ${goTimeQuote(layoutElem)}`
        : `parsing time ${goTimeQuote(avalue)}${message}`,
    );
  };
  let rangeErr = '';
  let amSet = false;
  let pmSet = false;
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let utc = false;
  let zoneOffset = -1;

  for (;;) {
    const ch = nextChunk(layout);
    try {
      value = skip(value, ch.prefix);
    } catch (e) {
      if (e instanceof Bad) parseError(ch.prefix, value, '');
      throw e;
    }
    if (!ch.std) {
      if (value.length !== 0) parseError('', value, `: extra text: ${goTimeQuote(value)}`);
      break;
    }
    layout = ch.suffix;
    const hold = value;
    try {
      switch (ch.std) {
        case '06': {
          if (value.length < 2) throw BAD;
          year = atoi(value.slice(0, 2));
          value = value.slice(2);
          year += year >= 69 ? 1900 : 2000;
          break;
        }
        case '2006':
          if (value.length < 4 || !isDigitAt(value, 0)) throw BAD;
          year = atoi(value.slice(0, 4));
          value = value.slice(4);
          break;
        case 'Jan':
          [month, value] = lookupName(SHORT_MONTHS, value);
          month++;
          break;
        case 'January':
          [month, value] = lookupName(LONG_MONTHS, value);
          month++;
          break;
        case '1':
        case '01':
          [month, value] = getnum(value, ch.std === '01');
          if (month <= 0 || month > 12) rangeErr = 'month';
          break;
        case 'Mon':
          [, value] = lookupName(SHORT_DAYS, value);
          break;
        case 'Monday':
          [, value] = lookupName(LONG_DAYS, value);
          break;
        case '2':
        case '_2':
        case '02':
          if (ch.std === '_2' && value[0] === ' ') value = value.slice(1);
          [day, value] = getnum(value, ch.std === '02');
          break;
        case '__2':
        case '002':
          for (let k = 0; k < 2; k++) if (ch.std === '__2' && value[0] === ' ') value = value.slice(1);
          [yday, value] = getnum3(value, ch.std === '002');
          break;
        case '15':
          [hour, value] = getnum(value, false);
          if (hour < 0 || hour >= 24) rangeErr = 'hour';
          break;
        case '3':
        case '03':
          [hour, value] = getnum(value, ch.std === '03');
          if (hour < 0 || hour > 12) rangeErr = 'hour';
          break;
        case '4':
        case '04':
          [min, value] = getnum(value, ch.std === '04');
          if (min < 0 || min >= 60) rangeErr = 'minute';
          break;
        case '5':
        case '05': {
          [sec, value] = getnum(value, ch.std === '05');
          if (sec < 0 || sec >= 60) {
            rangeErr = 'second';
            break;
          }
          // A fraction in the value without one in the layout is accepted.
          if (value.length >= 2 && commaOrPeriod(value[0]) && isDigitAt(value, 1)) {
            const next = nextChunk(layout).std;
            if (next === 'frac0' || next === 'frac9') break;
            let n = 2;
            while (n < value.length && isDigitAt(value, n)) n++;
            [nsec, rangeErr] = parseNanoseconds(value, n);
            value = value.slice(n);
          }
          break;
        }
        case 'PM':
        case 'pm': {
          if (value.length < 2) throw BAD;
          const p = value.slice(0, 2);
          value = value.slice(2);
          const [am, pm] = ch.std === 'PM' ? ['AM', 'PM'] : ['am', 'pm'];
          if (p === pm) pmSet = true;
          else if (p === am) amSet = true;
          else throw BAD;
          break;
        }
        case 'MST': {
          if (value.startsWith('UTC')) {
            utc = true;
            value = value.slice(3);
            break;
          }
          const n = parseTimeZone(value);
          if (n === 0) throw BAD;
          value = value.slice(n);
          break;
        }
        case 'frac0': {
          const ndigit = 1 + (ch.digits ?? 0);
          if (value.length < ndigit) throw BAD;
          [nsec, rangeErr] = parseNanoseconds(value, ndigit);
          value = value.slice(ndigit);
          break;
        }
        case 'frac9': {
          if (value.length < 2 || !commaOrPeriod(value[0]) || !isDigitAt(value, 1)) break;
          let k = 0;
          while (k + 1 < value.length && isDigitAt(value, k + 1)) k++;
          [nsec, rangeErr] = parseNanoseconds(value, 1 + k);
          value = value.slice(1 + k);
          break;
        }
        default: {
          // Numeric zone offsets; the Z forms also accept a literal `Z`.
          const std = ch.std;
          if (std.startsWith('Z') && value[0] === 'Z') {
            value = value.slice(1);
            utc = true;
            break;
          }
          let sign: string;
          let hh: string;
          let mm = '00';
          let ss = '00';
          if (std === 'Z07:00' || std === '-07:00') {
            if (value.length < 6 || value[3] !== ':') throw BAD;
            [sign, hh, mm] = [value.slice(0, 1), value.slice(1, 3), value.slice(4, 6)];
            value = value.slice(6);
          } else if (std === 'Z07' || std === '-07') {
            if (value.length < 3) throw BAD;
            [sign, hh] = [value.slice(0, 1), value.slice(1, 3)];
            value = value.slice(3);
          } else if (std === 'Z07:00:00' || std === '-07:00:00') {
            if (value.length < 9 || value[3] !== ':' || value[6] !== ':') throw BAD;
            [sign, hh, mm, ss] = [value.slice(0, 1), value.slice(1, 3), value.slice(4, 6), value.slice(7, 9)];
            value = value.slice(9);
          } else if (std === 'Z070000' || std === '-070000') {
            if (value.length < 7) throw BAD;
            [sign, hh, mm, ss] = [value.slice(0, 1), value.slice(1, 3), value.slice(3, 5), value.slice(5, 7)];
            value = value.slice(7);
          } else {
            if (value.length < 5) throw BAD;
            [sign, hh, mm] = [value.slice(0, 1), value.slice(1, 3), value.slice(3, 5)];
            value = value.slice(5);
          }
          const [hr] = getnum(hh, true);
          const [mi] = getnum(mm, true);
          const [se] = getnum(ss, true);
          if (hr > 24) rangeErr = 'time zone offset hour';
          if (mi > 60) rangeErr = 'time zone offset minute';
          if (se > 60) rangeErr = 'time zone offset second';
          zoneOffset = (hr * 60 + mi) * 60 + se;
          if (sign === '-') zoneOffset = -zoneOffset;
          else if (sign !== '+') throw BAD;
        }
      }
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      if (rangeErr !== '') parseError(ch.text, value, `: ${rangeErr} out of range`);
      parseError(ch.text, hold, '');
    }
    if (rangeErr !== '') parseError(ch.text, value, `: ${rangeErr} out of range`);
  }

  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;

  if (yday >= 0) {
    let d = 0;
    let m = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) {
        yday--;
      }
    }
    if (yday < 1 || yday > 365) parseError('', value, ': day-of-year out of range');
    if (m === 0) {
      m = Math.floor((yday - 1) / 31) + 1;
      if ((DAYS_BEFORE[m] as number) < yday) m++;
      d = yday - (DAYS_BEFORE[m - 1] as number);
    }
    if (month >= 0 && month !== m) parseError('', value, ': day-of-year does not match month');
    month = m;
    if (day >= 0 && day !== d) parseError('', value, ': day-of-year does not match day');
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) parseError('', value, ': day out of range');

  let s = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  if (!utc && zoneOffset !== -1) s -= zoneOffset;
  return { sec: s, nsec };
}
