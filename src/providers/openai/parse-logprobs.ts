/** OpenAI's `choices[].logprobs` → token log-probabilities (cascade confidence checks read them). */
import type { TokenLogprob } from '../provider-module.js';

/** OpenAI's `logprobs.content[]` as token log-probabilities, when present and well formed. */
export function parseLogprobs(v: unknown): TokenLogprob[] | null {
  const content = (v as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return null;
  const out: TokenLogprob[] = [];
  for (const t of content) {
    const token = (t as { token?: unknown }).token;
    const logprob = (t as { logprob?: unknown }).logprob;
    if (typeof token === 'string' && typeof logprob === 'number') out.push({ token, logprob });
  }
  return out.length ? out : null;
}
