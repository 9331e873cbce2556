/**
 * Token counts of plain text: exact for OpenAI models, a labelled estimate for the others
 * (o200k_base × the family's calibration factor, rounded up).
 */
import { countWithEncoding } from './encoders.js';
import { encodingForModel } from './encoding-for-model.js';
import { estimateMethod, estimateProfile } from './estimate-profile.js';
import type { OpenAiEncoding, TokenCount } from './token-count.js';

export function countText(text: string, model: string): TokenCount {
  const encoding = encodingForModel(model);
  if (encoding !== null) return { tokens: countWithEncoding(text, encoding), exact: true, method: encoding };
  const profile = estimateProfile(model);
  const raw = countWithEncoding(text, 'o200k_base');
  return { tokens: Math.ceil(raw * profile.factor), exact: false, method: estimateMethod(profile) };
}

/**
 * `countText` in two halves (tokens/estimate-tokens.ts counts a slice at a time): the encoding to count
 * `model`'s text with, and `textTokens(model, raw)` the text's tokens given that count.
 */
export function textEncoding(model: string): OpenAiEncoding {
  return encodingForModel(model) ?? 'o200k_base';
}

export function textTokens(model: string, raw: number): number {
  return encodingForModel(model) !== null ? raw : Math.ceil(raw * estimateProfile(model).factor);
}

/**
 * Output tokens for text a model generated, e.g. to price a stream that ended before the provider
 * reported usage. Completion tokens carry no per-message overhead, so this is the text count; it cannot
 * see hidden reasoning tokens, which is why callers mark such usage as estimated.
 */
export function countOutputTokens(text: string, model: string): TokenCount {
  return countText(text, model);
}
