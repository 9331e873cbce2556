/** Glob patterns for key allow-lists and budget scopes: `*` matches any run of characters, the rest is literal. */
const cache = new Map<string, RegExp>();

export function globMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

export function anyGlobMatches(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globMatches(p, value));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
