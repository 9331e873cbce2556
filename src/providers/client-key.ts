/**
 * Pass-through keys: which key a client sent for a given upstream dialect. An Anthropic key never goes to
 * an OpenAI-format provider and an OpenAI key never to Anthropic — the modules' `clientKey` rules say how
 * each provider's keys look and where its SDK sends them.
 */
import type { Dialect } from '../core/request.js';
import { DIALECTS, providerModule } from './modules.js';

/** The module whose key prefix the value carries, if any. */
function keyOwner(value: string): Dialect | undefined {
  return DIALECTS.find((d) => {
    const prefix = providerModule(d).clientKey.prefix;
    return prefix !== undefined && value.startsWith(prefix);
  });
}

/** Whether a bearer key may be forwarded to a provider speaking `dialect`. */
export function acceptsClientKey(dialect: Dialect, value: string): boolean {
  const rule = providerModule(dialect).clientKey;
  const owner = keyOwner(value);
  if (owner !== undefined) return providerModule(owner).clientKey.prefix === rule.prefix;
  return !rule.requirePrefix;
}

/**
 * The key candidate for an upstream of `dialect`: the dialect's own key header when it has one and the
 * client sent it, else the bearer token when this provider accepts it.
 */
export function clientKeyCandidate(
  dialect: Dialect,
  header: (name: string) => string | undefined,
  bearer: string | undefined,
): string | undefined {
  const rule = providerModule(dialect).clientKey;
  const own = rule.header !== undefined ? header(rule.header) : undefined;
  if (own !== undefined) return own;
  return bearer !== undefined && acceptsClientKey(dialect, bearer) ? bearer : undefined;
}
