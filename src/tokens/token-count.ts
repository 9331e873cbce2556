/**
 * The result of every counting function: a token count, whether it is exact (the same number the
 * provider's tokenizer would give), and how it was obtained, so an estimate is never mistaken for a fact.
 */
export type OpenAiEncoding = 'o200k_base' | 'cl100k_base';

export interface TokenCount {
  tokens: number;
  /** True only when the count reproduces the provider's own tokenizer and chat format. */
  exact: boolean;
  /** e.g. "o200k_base", "openai-chat:cl100k_base", "estimate:claude(o200k_base*1.15)". */
  method: string;
}
