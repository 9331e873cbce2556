/**
 * Deterministic arm assignment: the same experiment and sticky value always land in the same arm, on
 * every instance and across restarts, with no shared state. The bucket is the first 32 bits of
 * SHA-256(experiment name, value) scaled to [0, 100); arms take consecutive ranges in their config order.
 * Hashing the experiment name too keeps a user's arms independent across experiments.
 */
import { createHash } from 'node:crypto';

/** The percent share of each arm, in config order: the configured split, else equal shares. */
/** The parts of an experiment assignment reads. */
export interface SplitSpec {
  name: string;
  arms: Record<string, unknown>;
  split?: Record<string, number> | undefined;
}

export function armShares(exp: Pick<SplitSpec, 'arms' | 'split'>): Array<[string, number]> {
  const names = Object.keys(exp.arms);
  return names.map((n) => [n, exp.split ? (exp.split[n] ?? 0) : 100 / names.length]);
}

/** A number in [0, 100) fixed by the experiment and the value. */
export function bucketOf(experiment: string, value: string): number {
  const h = createHash('sha256').update(experiment).update('\0').update(value).digest();
  return (h.readUInt32BE(0) / 2 ** 32) * 100;
}

export function assignArm(exp: SplitSpec, value: string): string {
  const b = bucketOf(exp.name, value);
  const shares = armShares(exp);
  let upTo = 0;
  for (const [name, share] of shares) {
    upTo += share;
    if (b < upTo) return name;
  }
  // Rounding at the top end: the last arm with a share.
  return [...shares].reverse().find(([, s]) => s > 0)?.[0] ?? shares[0]![0];
}
