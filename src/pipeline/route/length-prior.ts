/**
 * A router that learns nothing: the longer the prompt, the likelier the strong model is needed. On the
 * shared data's train halves, prompt length alone ranks GSM8K prompts better than every trained router
 * (APGR 0.66) and MMLU prompts clearly better than random (0.58) — the one difficulty signal found that
 * keeps its sign across datasets, which is why the `anchored` router keeps half its weight on it. On the
 * test halves the GSM8K signal was weaker (0.535, inside the random interval) and `anchored` did not carry
 * an MMLU-trained router to GSM8K (BENCHMARKS.md, router section).
 */
export interface LengthPriorModel {
  kind: 'length-prior';
  meta: Record<string, string | number | boolean>;
}

/** Monotone in the prompt's length (UTF-16 units), in [0, 1): chars / (chars + 500). */
export function predictLengthPrior(text: string): number {
  return text.length / (text.length + 500);
}
