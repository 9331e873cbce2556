/** The one word tokenizer of the router's features and hashed n-grams: lower-cased letters and digits. */
const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/**
 * The last prompt's tokens. A router that combines several models (the default `stack`: k-NN, trees over
 * dense features, subject and topic priors) tokenizes the same prompt in each part; the regex pass is then
 * run once. Hence the read-only result.
 */
let lastText: string | undefined;
let lastWords: readonly string[] = [];

/** Lower-cased word tokens (letters and digits), in order. Read-only: the array is shared by callers. */
export function tokenize(text: string): readonly string[] {
  if (text !== lastText) {
    lastWords = text.toLowerCase().match(WORD_RE) ?? [];
    lastText = text;
  }
  return lastWords;
}

/** How many tokens `tokenize` would return, without touching its memo (for a prompt's sentences and options). */
export function countWords(text: string): number {
  return text.toLowerCase().match(WORD_RE)?.length ?? 0;
}
