/**
 * Time builtins. Times are int64 nanoseconds since the Unix epoch (computed with bigint and
 * returned through `normNum`, so values beyond 2^53 stay exact). Time zones are IANA names
 * resolved through `Intl` (Node ships full ICU); `""` and `"UTC"` are UTC; `"Local"` is
 * treated as UTC (the evaluator has no notion of a host zone).
 */
import { BuiltinError } from '../errors.ts';
import { isInteger, normNum, type Value } from '../value.ts';
import { argString, type BuiltinContext, type BuiltinRegistry, builtinError, typeError } from './registry.ts';
import { type Civil, civilFromLocal, daysFromCivil, daysIn } from './time-civil.ts';
import { formatLayout, LONG_DAYS, NAMED_LAYOUTS } from './time-layout.ts';
import { goTimeQuote, parseLayout, TimeParseError } from './time-parse.ts';

const NS = 1_000_000_000n;
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;

function safeUnixNano(sec: number, nsec: number): number | bigint {
  if (!Number.isFinite(sec)) builtinError('time outside of valid range');
  const ns = BigInt(sec) * NS + BigInt(nsec);
  if (ns < MIN_NS || ns > MAX_NS) builtinError('time outside of valid range');
  return normNum(ns);
}

// ---------------------------------------------------------------------------------------------
// Zones

interface Zone {
  /** `undefined` for UTC. */
  readonly fmt: Intl.DateTimeFormat | undefined;
  readonly name: string;
}

const UTC: Zone = { fmt: undefined, name: 'UTC' };
const zoneCache = new Map<string, Zone>();

function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC' || name === 'Local') return UTC;
  const cached = zoneCache.get(name);
  if (cached) return cached;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) {
    builtinError('time: invalid location name');
  }
  // Intl also accepts offsets such as "+05:30", which Go's LoadLocation does not.
  if (!/^[A-Za-z]/.test(name)) builtinError(`unknown time zone ${name}`);
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
  } catch {
    return builtinError(`unknown time zone ${name}`);
  }
  const zone: Zone = { fmt, name };
  zoneCache.set(name, zone);
  return zone;
}

/** Seconds east of UTC in effect at the given Unix second. */
function offsetAt(zone: Zone, unixSec: number): number {
  if (!zone.fmt) return 0;
  const parts = zone.fmt.formatToParts(unixSec * 1000);
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of parts) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value.startsWith('B');
        break;
    }
  }
  if (bc) y = 1 - y;
  const local = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return local - unixSec;
}

const ABBREV_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU'];
const abbrevCache = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone abbreviation Go would print for `MST`. Go reads it from tzdata; ICU only knows
 * some of them, so this tries a few English locales and otherwise uses tzdata's numeric
 * convention (`+0530`, `-03`).
 */
function zoneAbbrev(zone: Zone, unixSec: number, offset: number): string {
  if (!zone.fmt) return 'UTC';
  for (const locale of ABBREV_LOCALES) {
    const key = `${locale}|${zone.name}`;
    let f = abbrevCache.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { timeZone: zone.name, timeZoneName: 'short' });
      abbrevCache.set(key, f);
    }
    const name = f.formatToParts(unixSec * 1000).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Za-z]+$/.test(name)) return name;
  }
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = Math.floor((abs % 3600) / 60);
  return mm === 0 ? `${sign}${hh}` : `${sign}${hh}${String(mm).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Operands

interface ZonedTime {
  ns: bigint;
  zone: Zone;
  layout: string;
}

const TZ_TYPE = 'either number (ns) or [number (ns), string (tz)]';

/** OPA's tzTime: `ns` or `[ns, tz]` or `[ns, tz, layout]` (all errors name operand 1). */
function zonedOperand(v: Value): ZonedTime {
  let n: Value;
  let zone = UTC;
  let layout = '';
  if (Array.isArray(v)) {
    if (v.length === 0) typeError(1, TZ_TYPE, v);
    n = v[0] as Value;
    if (typeof n !== 'number' && typeof n !== 'bigint') typeError(1, 'number', n);
    if (v.length > 1) {
      const tz = v[1] as Value;
      if (typeof tz !== 'string') typeError(1, 'string', tz);
      zone = loadZone(tz);
    }
    if (v.length > 2) {
      const l = v[2] as Value;
      if (typeof l !== 'string') typeError(1, 'string', l);
      layout = l;
    }
  } else if (typeof v === 'number' || typeof v === 'bigint') {
    n = v;
  } else {
    return typeError(1, TZ_TYPE, v);
  }
  if (!isInteger(n) || (typeof n === 'number' && !Number.isFinite(n))) builtinError('timestamp too big');
  const ns = BigInt(n);
  if (ns < MIN_NS || ns > MAX_NS) builtinError('timestamp too big');
  return { ns, zone, layout };
}

function floorSec(ns: bigint): [number, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    nsec += NS;
    sec -= 1n;
  }
  return [Number(sec), Number(nsec)];
}

function civil(t: ZonedTime, withAbbrev = false): Civil {
  const [sec, nsec] = floorSec(t.ns);
  const offset = offsetAt(t.zone, sec);
  return civilFromLocal(
    sec + offset,
    nsec,
    offset,
    withAbbrev ? zoneAbbrev(t.zone, sec, offset) : t.zone.name,
  );
}

/** Go's Date(...) for a wall-clock time in a zone: local seconds to Unix seconds. */
function localToUnix(zone: Zone, local: number): number {
  // Outside what Intl handles the result is out of range anyway.
  if (!zone.fmt || Math.abs(local) > 8.6e12) return local;
  const guess = offsetAt(zone, local);
  const offset = offsetAt(zone, local - guess);
  return local - offset;
}

/** Go's IntOperand. */
function intOperand(args: Value[], i: number): number {
  const v = args[i] as Value;
  if (typeof v !== 'number' && typeof v !== 'bigint') typeError(i + 1, 'number', v);
  const n = Number(v);
  if (!isInteger(v) || !Number.isSafeInteger(n)) {
    throw new BuiltinError(
      'eval_type_error',
      `operand ${i + 1} must be integer number but got floating-point number`,
    );
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Durations (Go's time.ParseDuration)

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n, // U+00B5
  μs: 1000n, // U+03BC
  ms: 1_000_000n,
  s: NS,
  m: 60n * NS,
  h: 3600n * NS,
};
const U63 = 2n ** 63n;

export function parseDuration(orig: string): bigint {
  const invalid = (): never => builtinError(`time: invalid duration ${goTimeQuote(orig)}`);
  let s = orig;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') invalid();
  let d = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || ((s[0] as string) >= '0' && (s[0] as string) <= '9'))) invalid();
    // integer part
    let i = 0;
    let v = 0n;
    while (i < s.length && (s[i] as string) >= '0' && (s[i] as string) <= '9') {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > U63) invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // fraction
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let k = 0;
      let overflow = false;
      while (k < s.length && (s[k] as string) >= '0' && (s[k] as string) <= '9') {
        if (!overflow) {
          if (f > (U63 - 1n) / 10n) overflow = true;
          else {
            f = f * 10n + BigInt(s.charCodeAt(k) - 48);
            scale *= 10;
          }
        }
        k++;
      }
      post = k > 0;
      s = s.slice(k);
    }
    if (!pre && !post) invalid();
    // unit
    let u = 0;
    while (u < s.length && s[u] !== '.' && !((s[u] as string) >= '0' && (s[u] as string) <= '9')) u++;
    if (u === 0) builtinError(`time: missing unit in duration ${goTimeQuote(orig)}`);
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS[unitName];
    if (unit === undefined) {
      builtinError(`time: unknown unit ${goTimeQuote(unitName)} in duration ${goTimeQuote(orig)}`);
    }
    if (v > U63 / unit) invalid();
    v *= unit;
    if (f > 0n) {
      // Go uses float64 here (nanosecond accurate for fractions of hours).
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > U63) invalid();
    }
    d += v;
    if (d > U63) invalid();
  }
  if (neg) return -d;
  if (d > U63 - 1n) invalid();
  return d;
}

// ---------------------------------------------------------------------------------------------
// Builtins

function parseNs(layout: string, value: string): number | bigint {
  let t: { sec: number; nsec: number };
  try {
    t = parseLayout(layout, value);
  } catch (e) {
    if (e instanceof TimeParseError) builtinError(e.message);
    throw e;
  }
  return safeUnixNano(t.sec, t.nsec);
}

function addDate(args: Value[]): number | bigint {
  const t = zonedOperand(args[0] as Value);
  const years = intOperand(args, 1);
  const months = intOperand(args, 2);
  const days = intOperand(args, 3);
  const c = civil(t);
  // Go's Date normalisation: months overflow into years, days into months.
  const m0 = c.month - 1 + months;
  const year = c.year + years + Math.floor(m0 / 12);
  const month = (((m0 % 12) + 12) % 12) + 1;
  const dayNum = daysFromCivil(year, month, 1) + c.day - 1 + days;
  const local = dayNum * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  return safeUnixNano(localToUnix(t.zone, local), c.nsec);
}

function diff(args: Value[]): Value {
  const a = zonedOperand(args[0] as Value);
  const b = zonedOperand(args[1] as Value);
  // Both in the first operand's zone; order them.
  let t1: ZonedTime = a;
  let t2: ZonedTime = { ...b, zone: a.zone };
  if (t1.ns > t2.ns) [t1, t2] = [t2, t1];
  const c1 = civil(t1);
  const c2 = civil(t2);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let min = c2.minute - c1.minute;
  let sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    min--;
  }
  if (min < 0) {
    min += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    day += daysIn(c1.month, c1.year);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, min, sec];
}

/** Registers this family's builtins. */
export function register(r: BuiltinRegistry): void {
  const cat = 'time';

  r.def('time.now_ns', 0, cat, (_a, ctx: BuiltinContext) => normNum(ctx.nowNs), { nondeterministic: true });

  r.def('time.parse_ns', 2, cat, (a) => {
    const layout = argString(a, 0);
    const value = argString(a, 1);
    return parseNs(NAMED_LAYOUTS[layout] ?? layout, value);
  });

  r.def('time.parse_rfc3339_ns', 1, cat, (a) => parseNs(NAMED_LAYOUTS.RFC3339 as string, argString(a, 0)));

  r.def('time.parse_duration_ns', 1, cat, (a) => normNum(parseDuration(argString(a, 0))));

  r.def('time.format', 1, cat, ([x]) => {
    const t = zonedOperand(x as Value);
    const layout =
      t.layout === '' ? (NAMED_LAYOUTS.RFC3339Nano as string) : (NAMED_LAYOUTS[t.layout] ?? t.layout);
    return formatLayout(civil(t, layout.includes('MST')), layout);
  });

  r.def('time.date', 1, cat, ([x]) => {
    const c = civil(zonedOperand(x as Value));
    return [c.year, c.month, c.day];
  });

  r.def('time.clock', 1, cat, ([x]) => {
    const c = civil(zonedOperand(x as Value));
    return [c.hour, c.minute, c.second];
  });

  r.def('time.weekday', 1, cat, ([x]) => LONG_DAYS[civil(zonedOperand(x as Value)).weekday] as string);

  r.def('time.add_date', 4, cat, addDate);

  r.def('time.diff', 2, cat, diff);
}
