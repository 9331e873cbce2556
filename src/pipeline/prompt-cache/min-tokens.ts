/**
 * The smallest prefix a provider will cache, in tokens: the price catalog's `promptCacheMinTokens` when it
 * has one, else the published table (pricing reference §1–2): Anthropic Opus 4.5/4.6 and Haiku 4.5 4,096;
 * Opus 4.7 and Haiku 3/3.5 2,048; other Claude models 1,024; OpenAI 1,024. Below it, a breakpoint
 * caches nothing and costs nothing, so erring low only wastes a marker.
 */
import type { PriceCatalog } from '../../pricing/catalog.js';

const ANTHROPIC_TABLE: Array<[RegExp, number]> = [
  [/claude-(opus-4-[56]|haiku-4-5)/i, 4096],
  [/claude-opus-4-7/i, 2048],
  [/claude-(3-5-haiku|3-haiku|haiku-3)/i, 2048],
];

export function promptCacheMinTokens(
  catalog: PriceCatalog,
  model: string,
  dialect: 'openai' | 'anthropic',
  provider?: string,
): number {
  const fromCatalog = catalog.lookup(model, provider)?.promptCacheMinTokens;
  if (fromCatalog !== undefined && fromCatalog > 0) return fromCatalog;
  if (dialect === 'anthropic') for (const [re, n] of ANTHROPIC_TABLE) if (re.test(model)) return n;
  return 1024;
}
