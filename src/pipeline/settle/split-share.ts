/**
 * One amount split into shares by weight, exactly: each share is the floor of its proportional part and
 * the picodollars left over go, one each, to the largest remainders (ties to the earlier item) — the
 * largest-remainder method — so the shares always add up to the amount. A batch uses it to split one
 * call's cost among its items by token share.
 */
import type { Money } from '../../core/money.js';

export function splitByWeight(amount: bigint, weights: readonly number[]): bigint[] {
  const n = weights.length;
  if (n === 0) return [];
  const w = weights.map((x) => BigInt(Math.max(0, Math.round(x))));
  let total = 0n;
  for (const x of w) total += x;
  // No weight at all: equal shares.
  if (total === 0n)
    return splitByWeight(
      amount,
      weights.map(() => 1),
    );
  const neg = amount < 0n;
  const abs = neg ? -amount : amount;
  const shares: bigint[] = [];
  const rems: Array<{ i: number; r: bigint }> = [];
  let given = 0n;
  for (let i = 0; i < n; i++) {
    const p = abs * w[i]!;
    const s = p / total;
    shares.push(s);
    given += s;
    rems.push({ i, r: p % total });
  }
  let left = abs - given;
  rems.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) shares[rems[k % n]!.i]! += 1n;
  return neg ? shares.map((s) => -s) : shares;
}

/** Item `index`'s share of `amount` (null stays null). */
export function shareOf(amount: Money | null, weights: readonly number[], index: number): Money | null {
  if (amount === null) return null;
  return splitByWeight(amount, weights)[index] ?? 0n;
}
