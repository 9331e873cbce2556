/**
 * Python's `f"{x:.{d}f}"` for finite numbers. It differs from `Number#toFixed` only on exact binary
 * ties (9.5625 → "9.562" in Python, "9.563" in JavaScript): Python rounds those half to even.
 */
export function pyFixed(x: number, digits: number): string {
  const plain = x.toFixed(digits);
  const long = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const dot = long.indexOf('.');
  const tail = long.slice(dot + 1 + digits);
  if (!/^50*$/.test(tail)) return plain;
  // An exact tie: truncate, then round up only if the last kept digit is odd.
  const kept = long.slice(0, dot + 1 + digits).replace(/\.$/, '');
  const lastDigit = Number(kept.replace('.', '').slice(-1));
  const truncated = Number(kept);
  const up = lastDigit % 2 === 1;
  const mag = up ? truncated + 10 ** -digits : truncated;
  const s = mag.toFixed(digits);
  return x < 0 && Number(s) !== 0 ? `-${s}` : s;
}
