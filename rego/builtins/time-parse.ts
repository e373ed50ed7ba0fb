/**
 * Go's `time.Parse` for the time builtins (time.ts), over the layout tokens of time-layout.ts.
 *
 * Parsing returns the instant only. As in OPA (which calls `time.Parse`, i.e. the default
 * location UTC and the process's local zone, assumed UTC here), a numeric offset (`-07:00`)
 * shifts the instant, `Z`/`UTC` mean UTC, and any other zone abbreviation (`MST`, `GMT+3`)
 * is recorded by Go without changing the wall clock, so it does not affect the instant.
 */
import { DAYS_BEFORE, daysFromCivil, daysIn, isLeap } from './time-civil.ts';
import { isDigitAt, LONG_DAYS, LONG_MONTHS, nextChunk, SHORT_DAYS, SHORT_MONTHS } from './time-layout.ts';

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
