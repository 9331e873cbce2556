/**
 * Token counts of plain text: exact for OpenAI models, a labelled estimate for the others
 * (o200k_base × the family's calibration factor, rounded up).
 */
import { countWithEncoding } from './encoders.js';
import { encodingForModel } from './encoding-for-model.js';
import { estimateMethod, estimateProfile } from './estimate-profile.js';
import type { TokenCount } from './token-count.js';

export function countText(text: string, model: string): TokenCount {
  const encoding = encodingForModel(model);
  if (encoding !== null) return { tokens: countWithEncoding(text, encoding), exact: true, method: encoding };
  const profile = estimateProfile(model);
  const raw = countWithEncoding(text, 'o200k_base');
  return { tokens: Math.ceil(raw * profile.factor), exact: false, method: estimateMethod(profile) };
}

/**
 * Output tokens for text a model generated, e.g. to price a stream that ended before the provider
 * reported usage. Completion tokens carry no per-message overhead, so this is the text count; it cannot
 * see hidden reasoning tokens, which is why callers mark such usage as estimated.
 */
export function countOutputTokens(text: string, model: string): TokenCount {
  return countText(text, model);
}
