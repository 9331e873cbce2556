/**
 * "Did you mean" for misspelt config keys: every field name the config schema knows (at any depth), and
 * the closest one to a misspelling by edit distance (swaps count as one edit; at most a third of the word, and at least 1).
 */
import type { z } from 'zod';

type Def = {
  type?: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  valueType?: unknown;
  element?: unknown;
  options?: unknown[];
  in?: unknown;
  out?: unknown;
};

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** All object keys of a zod schema, nested ones included. */
export function knownKeys(schema: z.ZodType): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (s: unknown) => {
    if (s === undefined || seen.has(s)) return;
    seen.add(s);
    const d = defOf(s);
    if (!d) return;
    if (d.shape)
      for (const [k, v] of Object.entries(d.shape)) {
        keys.add(k);
        walk(v);
      }
    for (const next of [d.innerType, d.valueType, d.element, d.in, d.out]) walk(next);
    for (const o of d.options ?? []) walk(o);
  };
  walk(schema);
  return keys;
}

/** Edit distance where swapping two neighbours counts as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export function closestKey(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3));
  const lower = word.toLowerCase();
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
