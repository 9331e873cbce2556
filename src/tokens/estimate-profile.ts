/**
 * How to estimate tokens for models whose tokenizer is not available locally: count with o200k_base and
 * scale by a per-family factor. The factors are calibrations of ratio "provider tokens / o200k tokens"
 * on mixed English prose and code, and they are estimates, always labelled so (`exact: false`):
 *
 * - Claude up to Opus 4.6: 1.15. Claude's vocabulary is much smaller than o200k's (~65k vs 200k entries),
 *   so the same text splits into more pieces; published comparisons put it 10–20% above OpenAI's
 *   tokenizers on English and more on code. 1.15 is the middle of that range.
 * - Claude Opus 4.7 and later: 1.15 × 1.2 ≈ 1.38. Anthropic introduced a new tokenizer with 4.7 that
 *   yields roughly 1.0–1.35× the tokens of the previous one for the same input.
 * - Llama 3+, Qwen, DeepSeek: 1.05 (128k–152k BPE vocabularies derived from the same byte-level scheme).
 * - Gemini / Gemma: 1.05 (256k SentencePiece vocabulary, close to o200k on English).
 * - Mistral / Mixtral and Llama 2 (32k SentencePiece vocabularies): 1.25.
 * - Anything else: 1.15.
 *
 * Anthropic also injects a hidden tool-use system prompt whenever `tools` is present; its size depends
 * on the model and on tool_choice (Anthropic's tool-use pricing docs).
 */
import { baseModelName } from './encoding-for-model.js';

export interface EstimateProfile {
  family: string;
  /** Multiplier applied to o200k_base counts of text. */
  factor: number;
  /** Anthropic hidden tool-use system prompt: tokens added when tools are present. */
  toolPrompt?: { auto: number; forced: number };
  /** Anthropic-style image estimate (pixels / 750) instead of OpenAI tiles. */
  anthropicImages?: boolean;
}

const CLAUDE_VERSION = /claude-(?:(?:opus|sonnet|haiku|instant)-)?(\d+)(?:[-.](\d)(?!\d))?/;

function claudeProfile(m: string): EstimateProfile {
  const v = CLAUDE_VERSION.exec(m);
  const major = v?.[1] === undefined ? 0 : Number(v[1]);
  const minor = v?.[2] === undefined ? 0 : Number(v[2]);
  const version = major + minor / 10;
  const base = { family: 'claude', anthropicImages: true } as const;
  if (major === 3 && minor === 0) {
    if (m.includes('opus')) return { ...base, factor: 1.15, toolPrompt: { auto: 530, forced: 281 } };
    if (m.includes('sonnet')) return { ...base, factor: 1.15, toolPrompt: { auto: 159, forced: 235 } };
    if (m.includes('haiku')) return { ...base, factor: 1.15, toolPrompt: { auto: 264, forced: 340 } };
  }
  const factor = version >= 4.7 ? 1.38 : 1.15;
  return { ...base, factor, toolPrompt: { auto: 346, forced: 313 } };
}

function computeProfile(model: string): EstimateProfile {
  const m = baseModelName(model);
  if (m.includes('claude')) return claudeProfile(m);
  if (/gemini|gemma/.test(m)) return { family: 'gemini', factor: 1.05 };
  if (/mistral|mixtral|llama-?2/.test(m)) return { family: 'sentencepiece-32k', factor: 1.25 };
  if (/llama|qwen|deepseek/.test(m)) return { family: 'bpe-128k', factor: 1.05 };
  return { family: 'generic', factor: 1.15 };
}

const cache = new Map<string, EstimateProfile>();

export function estimateProfile(model: string): EstimateProfile {
  let p = cache.get(model);
  if (p === undefined) {
    if (cache.size > 1000) cache.clear();
    p = computeProfile(model);
    cache.set(model, p);
  }
  return p;
}

export function estimateMethod(p: EstimateProfile): string {
  return `estimate:${p.family}(o200k_base*${p.factor})`;
}
