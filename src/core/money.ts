/**
 * Exact money. A `Money` is a bigint count of picodollars (1 USD = 10^12), so a month of requests sums
 * with no float drift. Prices are kept per token in picodollars too: $2.50 per 1M tokens is 2_500_000n.
 * Never build money from a float's arithmetic; parse the decimal text instead.
 */
export type Money = bigint;

export const PICOS_PER_USD = 1_000_000_000_000n;
const SCALE_DIGITS = 12;

/** Parses a decimal amount in USD ("0.0075", "2.5e-6", 3) into exact picodollars. Rounds half away from zero below 1 pico. */
export function usd(amount: string | number | bigint): Money {
  if (typeof amount === 'bigint') return amount * PICOS_PER_USD;
  return decimalToScaled(typeof amount === 'number' ? numberToDecimalText(amount) : amount, SCALE_DIGITS);
}

/** Converts a price in USD per 1M tokens into picodollars per token (exact). */
export function perMillionToPerToken(usdPerMillion: string | number): Money {
  const text = typeof usdPerMillion === 'number' ? numberToDecimalText(usdPerMillion) : usdPerMillion;
  return decimalToScaled(text, SCALE_DIGITS - 6);
}

/** Converts a price in USD per token (LiteLLM's unit, e.g. 2.5e-6) into picodollars per token. */
export function perTokenToPico(usdPerToken: string | number): Money {
  return usd(usdPerToken);
}

/** USD per 1M tokens as a decimal string, from picodollars per token. */
export function perTokenToPerMillionText(picoPerToken: Money): string {
  return formatScaled(picoPerToken, SCALE_DIGITS - 6);
}

/** Formats money as a USD decimal string with up to `maxDigits` fraction digits (trailing zeros trimmed, min 2). */
export function formatUsd(m: Money, maxDigits = 6): string {
  const neg = m < 0n;
  let abs = neg ? -m : m;
  const drop = SCALE_DIGITS - maxDigits;
  if (drop > 0) {
    const div = 10n ** BigInt(drop);
    abs = (abs + div / 2n) / div;
  }
  let text = formatScaled(abs, Math.min(maxDigits, SCALE_DIGITS));
  if (!text.includes('.')) text += '.00';
  else if (text.split('.')[1]!.length < 2) text += '0';
  return `${neg ? '-' : ''}$${text}`;
}

/** Exact decimal string of money in USD (full precision, no symbol), e.g. "0.007275". */
export function moneyToDecimal(m: Money): string {
  return formatScaled(m, SCALE_DIGITS);
}

/** Approximate USD as a float, for charts and metrics only — never sum these for accounting. */
export function moneyToNumber(m: Money): number {
  return Number(m) / 1e12;
}

export function sumMoney(values: Iterable<Money>): Money {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

function numberToDecimalText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite amount: ${n}`);
  return String(n);
}

/** Parses decimal text (optionally with an exponent) into an integer scaled by 10^scale. */
export function decimalToScaled(text: string, scale: number): bigint {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === '')))
    throw new RangeError(`not a decimal amount: "${text}"`);
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') + scale;
  let digits = (intPart + frac).replace(/^0+(?=\d)/, '') || '0';
  // value = digits * 10^(exp - frac.length)
  const shift = exp - frac.length;
  if (shift >= 0) return sign * BigInt(digits) * 10n ** BigInt(shift);
  const cut = -shift;
  if (cut >= digits.length) digits = '0'.repeat(cut - digits.length + 1) + digits;
  const whole = BigInt(digits.slice(0, digits.length - cut) || '0');
  const firstDropped = Number(digits[digits.length - cut]);
  return sign * (whole + (firstDropped >= 5 ? 1n : 0n));
}

function formatScaled(v: bigint, scale: number): string {
  const neg = v < 0n;
  const s = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const int = s.slice(0, s.length - scale);
  // Trailing zeros trimmed by hand: it runs for every answer's x-penny-cost-usd header, and a regex costs
  // more than the rest of the formatting together.
  let end = s.length;
  while (end > s.length - scale && s.charCodeAt(end - 1) === 48) end--;
  const frac = s.slice(s.length - scale, end);
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
