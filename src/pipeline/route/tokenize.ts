/** The one word tokenizer of the router's features and hashed n-grams: lower-cased letters and digits. */
const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lower-cased word tokens (letters and digits), in order. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}
