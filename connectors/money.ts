/**
 * Exact money arithmetic for checkout: Shopify writes amounts as decimal strings (`"48.2"`,
 * `"48.20"`), agents send numbers in major units (`48.2`). Both become integers of
 * micro-units, so `48.2`, `"48.20"` and `"48.200"` compare equal and `48.19` never does; binary
 * floating point is never compared.
 */

const SCALE_DIGITS = 6;
const SCALE = 10n ** BigInt(SCALE_DIGITS);

/**
 * A decimal string or a finite number as micro-units; undefined when it is neither.
 *
 * @example
 * ```ts
 * toMicros('48.20'); // → 48200000n
 * toMicros(48.2); // → 48200000n
 * toMicros('abc'); // → undefined
 * ```
 */
export function toMicros(value: string | number): bigint | undefined {
  // A number goes through its shortest round-trip decimal form, which is what the agent wrote.
  const text = typeof value === 'number' ? (Number.isFinite(value) ? numberText(value) : '') : value.trim();
  const m = /^(-?)(\d{1,15})(?:\.(\d{1,12}))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, whole, frac = ''] = m;
  if (frac.length > SCALE_DIGITS && /[1-9]/.test(frac.slice(SCALE_DIGITS))) return undefined;
  const micros =
    BigInt(whole ?? '0') * SCALE + BigInt((frac.slice(0, SCALE_DIGITS) || '0').padEnd(SCALE_DIGITS, '0'));
  return sign === '-' ? -micros : micros;
}

/**
 * Micro-units back to a decimal string with at least two fraction digits.
 *
 * @example
 * ```ts
 * formatMicros(48200000n); // → '48.20'
 * formatMicros(1234567n); // → '1.234567'
 * ```
 */
export function formatMicros(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const whole = abs / SCALE;
  let frac = (abs % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  return `${sign}${whole}.${frac}`;
}

/**
 * A Shopify decimal string normalised (`"48.2"` → `"48.20"`); undefined when it is not one.
 *
 * @example
 * ```ts
 * normaliseAmount('5'); // → '5.00'
 * ```
 */
export function normaliseAmount(value: string): string | undefined {
  const m = toMicros(value);
  return m === undefined ? undefined : formatMicros(m);
}

/**
 * Whether two amounts are exactly the same.
 *
 * @example
 * ```ts
 * sameAmount(48.2, '48.20'); // → true
 * sameAmount(48.19, '48.20'); // → false
 * ```
 */
export function sameAmount(a: string | number, b: string | number): boolean {
  const x = toMicros(a);
  const y = toMicros(b);
  return x !== undefined && y !== undefined && x === y;
}

function numberText(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Tiny or huge numbers: toFixed gives plain digits; amounts beyond 1e15 are rejected above.
  return Math.abs(n) < 1 ? n.toFixed(12) : s;
}
