/**
 * Client JSON is walked by many recursive helpers (codecs, cache keys, token counting, JSON-schema checks,
 * compression…). JSON.parse itself accepts any depth, so the depth is bounded once, right after parsing,
 * with an iterative walk: nothing downstream can then exhaust the stack. A too-deep value is reported
 * with the path to where it crosses the limit, so the error names the field.
 */
export const MAX_JSON_DEPTH = 100;

/** The path segments (`.metadata`, `.a`, `[0]` …) to the first value nested deeper than `max`, else null. */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): string[] | null {
  if (value === null || typeof value !== 'object') return null;
  // Fast pass: depths only.
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let found = false;
  while (stack.length) {
    const v = stack.pop() as object;
    const d = depths.pop()!;
    if (d > max) {
      found = true;
      break;
    }
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) {
      if (c !== null && typeof c === 'object') {
        stack.push(c);
        depths.push(d + 1);
      }
    }
  }
  return found ? pathTo(value, max) : null;
}

/** Second pass, only on failure: the same walk with paths. */
function pathTo(root: unknown, max: number): string[] {
  const stack: Array<{ v: unknown; d: number; path: string[] }> = [{ v: root, d: 1, path: [] }];
  while (stack.length) {
    const { v, d, path } = stack.pop()!;
    if (d > max) return path;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        const c = v[i];
        if (c !== null && typeof c === 'object') stack.push({ v: c, d: d + 1, path: [...path, `[${i}]`] });
      }
    } else if (v !== null && typeof v === 'object') {
      for (const [k, c] of Object.entries(v)) {
        if (c !== null && typeof c === 'object') stack.push({ v: c, d: d + 1, path: [...path, `.${k}`] });
      }
    }
  }
  return [];
}

/** A path for messages: at most `n` segments, each key cut to 40 characters. */
export function formatJsonPath(segments: string[], n = segments.length): string {
  const cut = segments.slice(0, n).map((s) => (s.length > 41 ? `${s.slice(0, 41)}…` : s));
  return cut.join('').replace(/^\./, '') + (segments.length > n ? '…' : '');
}
