/**
 * Scopes of budgets and rate limits. A rule applies to a call when every `match` glob matches the call's
 * facts (a dimension the call has no value for never matches a glob, except `*`); the counter it books
 * into is the rule's name plus, for each `per` dimension, the call's value (so `per: [user]` gives every
 * user their own counter). Values are bounded and URI-encoded before they become part of a counter key.
 */
import type { Dimension, ScopeMatch } from './config.js';
import { DIMENSIONS } from './config.js';
import { globMatches } from './glob.js';

export type Facts = Record<Dimension, string | null>;

export interface Scoped {
  match: ScopeMatch;
  per: readonly Dimension[];
}

export function scopeApplies(rule: Scoped, facts: Facts): boolean {
  for (const d of DIMENSIONS) {
    const pattern = rule.match[d];
    if (pattern === undefined) continue;
    const v = facts[d];
    if (v === null) {
      if (pattern !== '*') return false;
      continue;
    }
    if (!globMatches(pattern, v)) return false;
  }
  return true;
}

const MAX_VALUE = 200;

/** The `|user=alice` part of a counter key. */
export function perSuffix(per: readonly Dimension[], facts: Facts): string {
  let s = '';
  for (const d of per) s += `|${d}=${encodeValue(facts[d])}`;
  return s;
}

/**
 * A counter's key — the rule's prefix, `part`, the window id and the per suffix — as the same string object
 * while they stay the same (the usual case: one window a minute or a month, one user): leased allowances look
 * counters up by key several times per call, and a string built anew is flattened and hashed each time.
 */
export function counterKey(rule: { prefix: string }, part: string, window: string, suffix: string): string {
  let byPart = lastKeys.get(rule);
  if (!byPart) {
    byPart = {};
    lastKeys.set(rule, byPart);
  }
  const hit = byPart[part];
  if (hit && hit.window === window && hit.suffix === suffix) return hit.key;
  const key = `${rule.prefix}${part}${window}${suffix}`;
  byPart[part] = { window, suffix, key };
  return key;
}

const lastKeys = new WeakMap<object, Record<string, { window: string; suffix: string; key: string }>>();

export function encodeValue(v: string | null): string {
  return v === null ? '-' : encodeURIComponent(v.slice(0, MAX_VALUE));
}

/** `feature=support, user=alice`: the scope in words, for messages and lists. */
export function describeScope(rule: Scoped, facts: Facts | null): string {
  const parts: string[] = [];
  for (const d of DIMENSIONS) {
    const m = rule.match[d];
    if (rule.per.includes(d)) parts.push(`${d}=${facts ? (facts[d] ?? '(none)') : 'each'}`);
    else if (m !== undefined) parts.push(`${d}=${m}`);
  }
  return parts.length ? parts.join(', ') : 'global';
}

/** Decodes the per-dimension values of a counter key suffix (for lists). */
export function parsePerSuffix(suffix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of suffix.split('|')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const v = part.slice(eq + 1);
    out[part.slice(0, eq)] = v === '-' ? '(none)' : decodeURIComponent(v);
  }
  return out;
}
