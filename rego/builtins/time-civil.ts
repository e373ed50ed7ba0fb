/**
 * Proleptic-Gregorian civil dates for the time builtins (time.ts), Go's layouts
 * (time-layout.ts, time-parse.ts) and X.509 validity times (x509-der.ts): days since the epoch
 * to and from year-month-day, and a broken-down time in some zone.
 */

export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

export const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

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

/**
 * The civil date of a day number (days since 1970-01-01): the inverse of daysFromCivil
 * (Howard Hinnant's algorithm).
 */
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
