import { describe, expect, it } from 'vitest';
import { fromJSON, type Value } from '../../rego/value.ts';
import { BUILTIN, expectCanonical, fixedClockHarness, TYPE } from '../support/builtin-harness.ts';

const { ctx, call, expectError } = fixedClockHarness();

/** A JS literal as a Value (null-prototype objects). */
const v = (x: unknown): Value => fromJSON(x);
const SEC = 1_000_000_000n;
const T = 1670006453141828752n; // 2022-12-02T18:40:53.141828752Z

describe('time.now_ns', () => {
  it('returns the evaluation time from the context', () => {
    expect(call('time.now_ns')).toBe(1_700_000_000_000_000_000n);
  });
});

describe('time.parse_rfc3339_ns', () => {
  it.each([
    ['1677-09-21T00:12:43.145224192-00:00', -9223372036854775808n],
    ['1970-01-01T00:00:00-00:00', 0],
    ['2017-06-02T19:00:00-07:00', 1496455200000000000n],
    ['2262-04-11T23:47:16.854775807-00:00', 9223372036854775807n],
    ['2017-06-02T19:00:00Z', 1496430000000000000n],
    ['2017-06-02T19:00:00.123+01:30', 1496424600123000000n],
    ['1970-01-01T00:00:00.5Z', 500000000],
  ])('%s (conformance time/parse_rfc3339_nanos)', (s, want) => {
    expect(call('time.parse_rfc3339_ns', s)).toBe(want);
  });

  it.each([
    ['1677-09-21T00:12:43.145224191-00:00', 'time outside of valid range'],
    ['2262-04-11T23:47:16.854775808-00:00', 'time outside of valid range'],
    ['2017-13-02T19:00:00Z', 'parsing time "2017-13-02T19:00:00Z": month out of range'],
    ['2017-02-29T19:00:00Z', 'parsing time "2017-02-29T19:00:00Z": day out of range'],
    ['2017-06-02T24:00:00Z', 'parsing time "2017-06-02T24:00:00Z": hour out of range'],
    ['2017-06-02T19:00:00Zjunk', 'parsing time "2017-06-02T19:00:00Zjunk": extra text: "junk"'],
    [
      '2017-06-02t19:00:00Z',
      'parsing time "2017-06-02t19:00:00Z" as "2006-01-02T15:04:05Z07:00": cannot parse "t19:00:00Z" as "T"',
    ],
    ['nope', 'parsing time "nope" as "2006-01-02T15:04:05Z07:00": cannot parse "nope" as "2006"'],
  ])('%s fails: %s', (s, message) => {
    expectError(BUILTIN, message, 'time.parse_rfc3339_ns', s);
  });

  it('type errors', () => {
    expectError(TYPE, 'operand 1 must be string but got number', 'time.parse_rfc3339_ns', 1);
  });
});

describe('time.parse_ns', () => {
  it.each([
    ['2006-01-02', '2020-02-29', 1582934400000000000n],
    ['RFC1123Z', 'Sat, 03 Dec 2022 00:10:53 +0530', 1670006453000000000n],
    ['Mon Jan _2 15:04:05 2006', 'Fri Dec  2 18:40:53 2022', 1670006453000000000n],
    ['02 Jan 06 15:04 -0700', '02 Dec 22 18:40 +0100', 1670002800000000000n],
    ['January 2, 2006 3:04pm', 'december 2, 2022 6:40pm', 1670006400000000000n],
    ['2006 002', '2020 060', 1582934400000000000n], // day of year
    ['15:04:05.000 2006-01-02', '18:40:53.141 2022-12-02', 1670006453141000000n],
    ['2006-01-02 15:04:05', '2022-12-02 18:40:53.141828752', T], // fraction not in layout
    // Zone abbreviations do not move the instant (Go records them with offset 0).
    ['Mon Jan _2 15:04:05 MST 2006', 'Fri Dec  2 18:40:53 EST 2022', 1670006453000000000n],
    ['UnixDate', 'Fri Dec  2 18:40:53 UTC 2022', 1670006453000000000n],
  ])('parse_ns(%j, %j)', (layout, value, want) => {
    expect(call('time.parse_ns', layout, value)).toBe(want);
  });

  it('errors', () => {
    expectError(
      BUILTIN,
      'parsing time "2022-12-x" as "2006-01-02": cannot parse "x" as "02"',
      'time.parse_ns',
      '2006-01-02',
      '2022-12-x',
    );
    expectError(BUILTIN, 'time outside of valid range', 'time.parse_ns', '15:04', '10:00');
    expectError(TYPE, 'operand 2 must be string but got number', 'time.parse_ns', '2006', 2006);
  });
});

describe('time.parse_duration_ns', () => {
  it.each([
    ['100ms', 100000000], // conformance time/parse duration nanos
    ['1h2m3.5s', 3723500000000],
    ['-1.5µs', -1500],
    ['1.5μs', 1500],
    ['.5h', 1800000000000],
    ['0', 0],
    ['+3ns', 3],
    ['2562047h47m16.854775807s', 9223372036854775807n],
    ['-2562047h47m16.854775808s', -9223372036854775808n],
  ])('%s', (s, want) => {
    expect(call('time.parse_duration_ns', s)).toBe(want);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['1', 'time: missing unit in duration "1"'],
    ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1h-2m', 'time: unknown unit "h-" in duration "1h-2m"'],
  ])('%j fails: %s', (s, message) => {
    expectError(BUILTIN, message, 'time.parse_duration_ns', s);
  });
});

describe('time.format', () => {
  it('conformance time/format', () => {
    expect(call('time.format', T)).toBe('2022-12-02T18:40:53.141828752Z');
    expect(call('time.format', v([T, 'Asia/Kolkata']))).toBe('2022-12-03T00:10:53.141828752+05:30');
    expect(call('time.format', v([T, 'Asia/Kolkata', 'Mon Jan 02 15:04:05 -0700 2006']))).toBe(
      'Sat Dec 03 00:10:53 +0530 2022',
    );
    expect(call('time.format', v([T, 'Asia/Kolkata', 'RFC1123Z']))).toBe('Sat, 03 Dec 2022 00:10:53 +0530');
    expectError(BUILTIN, 'timestamp too big', 'time.format', 1582977600 * 10e12);
  });

  it('layout tokens', () => {
    const ny = (layout: string) => call('time.format', v([T, 'America/New_York', layout]));
    expect(ny('Monday January _2 3:04:05.000 PM Z07:00 -0700 -07 __2 002')).toBe(
      'Friday December  2 1:40:53.141 PM -05:00 -0500 -05 336 336',
    );
    expect(ny('Mon Jan 2 06 15 03 4 5 pm .999 ,000000')).toBe('Fri Dec 2 22 13 01 40 53 pm .141 ,141828');
    expect(ny('MST')).toBe('EST');
    expect(ny('RFC3339')).toBe('2022-12-02T13:40:53-05:00');
    expect(call('time.format', v([T, 'UTC', 'MST Z07:00 Z0700 -07:00']))).toBe('UTC Z Z +00:00');
    expect(call('time.format', v([T, '', '.999999999 .000']))).toBe('.141828752 .141');
    expect(call('time.format', v([1670006453000000000n, 'UTC', '05.999 05.000']))).toBe('53 53.000');
    expect(call('time.format', v([-1n, 'UTC', 'RFC3339Nano']))).toBe('1969-12-31T23:59:59.999999999Z');
    expect(call('time.format', v([T, 'Europe/London', 'MST']))).toBe('GMT');
    expect(call('time.format', v([T, 'Etc/GMT+5', 'MST']))).toBe('-05');
    expect(call('time.format', v([T, 'Local']))).toBe('2022-12-02T18:40:53.141828752Z');
  });

  it('errors', () => {
    expectError(BUILTIN, 'unknown time zone Bogus/Zone', 'time.format', v([T, 'Bogus/Zone']));
    expectError(BUILTIN, 'unknown time zone +05:30', 'time.format', v([T, '+05:30']));
    expectError(BUILTIN, 'time: invalid location name', 'time.format', v([T, '../etc/passwd']));
    const tz = 'operand 1 must be either number (ns) or [number (ns), string (tz)]';
    expectError(TYPE, `${tz} but got string`, 'time.format', 'x');
    expectError(TYPE, `${tz} but got array`, 'time.format', v([]));
    expectError(TYPE, 'operand 1 must be number but got string', 'time.format', v(['x']));
    expectError(TYPE, 'operand 1 must be string but got number', 'time.format', v([T, 1]));
    expectError(TYPE, 'operand 1 must be string but got number', 'time.format', v([T, 'UTC', 1]));
    expectError(BUILTIN, 'timestamp too big', 'time.format', 1.5);
    expectError(BUILTIN, 'timestamp too big', 'time.format', 2n ** 63n);
  });
});

describe('time.date / clock / weekday', () => {
  it('conformance cases', () => {
    expectCanonical(call('time.date', 1517814000n * SEC), v([2018, 2, 5]));
    expectCanonical(call('time.clock', v([1517832000n * SEC, 'America/New_York'])), v([7, 0, 0]));
    expectCanonical(call('time.clock', 1582977600n * SEC), v([12, 0, 0])); // leap day
    expect(call('time.weekday', 1518177600000000000n)).toBe('Friday');
  });

  it('zones and extremes', () => {
    expectCanonical(call('time.date', v([T, 'Asia/Kolkata'])), v([2022, 12, 3]));
    expect(call('time.weekday', v([T, 'Asia/Kolkata']))).toBe('Saturday');
    expectCanonical(call('time.date', -(2n ** 63n)), v([1677, 9, 21]));
    expectCanonical(call('time.date', 2n ** 63n - 1n), v([2262, 4, 11]));
    expectCanonical(call('time.clock', -1), v([23, 59, 59]));
    expectCanonical(call('time.date', 0), v([1970, 1, 1]));
  });
});

describe('time.add_date', () => {
  it('conformance cases', () => {
    expect(call('time.add_date', 1585852421593912000n, 3, 9, 12)).toBe(1705257221593912000n);
    expectError(BUILTIN, 'time outside of valid range', 'time.add_date', 0, 2262, 1, 1);
  });

  it('normalises like Go', () => {
    const jan31 = call('time.parse_rfc3339_ns', '2021-01-31T10:00:00Z') as Value;
    expect(call('time.format', call('time.add_date', jan31, 0, 1, 0) as Value)).toBe('2021-03-03T10:00:00Z');
    expect(call('time.format', call('time.add_date', jan31, 0, -13, 0) as Value)).toBe(
      '2019-12-31T10:00:00Z',
    );
    expect(call('time.format', call('time.add_date', jan31, 0, 0, -31) as Value)).toBe(
      '2020-12-31T10:00:00Z',
    );
  });

  it('keeps wall-clock time across a DST change', () => {
    const ns = 1647153000n * SEC; // 2022-03-13 01:30 EST
    expect(call('time.add_date', v([ns, 'America/New_York']), 0, 0, 1)).toBe(1647235800n * SEC);
  });

  it('type errors', () => {
    expectError(
      TYPE,
      'operand 2 must be integer number but got floating-point number',
      'time.add_date',
      0,
      1.5,
      0,
      0,
    );
    expectError(TYPE, 'operand 4 must be number but got string', 'time.add_date', 0, 0, 0, 'x');
  });
});

describe('time.diff', () => {
  const now = ctx.nowNs;
  const parse = (s: string) => call('time.parse_ns', '2006-01-02', s) as Value;
  it.each([
    ['minute_second', now + 61n * SEC, now, [0, 0, 0, 0, 1, 1]],
    ['different_tz', v([now + 60n * SEC, 'UTC']), v([now, 'Asia/Shanghai']), [0, 0, 0, 0, 1, 0]],
    ['leap_year', parse('2020-02-02'), parse('2020-03-01'), [0, 0, 28, 0, 0, 0]],
    ['not_leap_year', parse('2021-02-02'), parse('2021-03-01'), [0, 0, 27, 0, 0, 0]],
    ['leap_year_one_day', parse('2004-02-29'), parse('2005-03-01'), [1, 0, 1, 0, 0, 0]],
  ])('%s (conformance time/diff)', (_name, a, b, want) => {
    expectCanonical(call('time.diff', a as Value, b as Value), v(want));
  });

  it('is symmetric and uses the first operand zone', () => {
    const a = 1670006453n * SEC;
    const b = a + 400n * 86400n * SEC + 3n * 3600n * SEC;
    expectCanonical(call('time.diff', b, a), call('time.diff', a, b) as Value);
    expectCanonical(call('time.diff', a, b), v([1, 1, 4, 3, 0, 0]));
  });
});
