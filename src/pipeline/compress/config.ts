/**
 * Prompt compression: the per-feature policy (under `features.<name>.compress` in the config) and the global settings
 * (under `compress` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * A section that is present turns the lossless transforms on; windowing and context trimming need a budget.
 */
import { z } from 'zod';

export const compressFeatureSchema = z
  .strictObject({
    /** Trailing spaces, runs of blank lines and of spaces (never in code blocks or aligned columns). */
    whitespace: z.boolean().default(true),
    /** Minify JSON objects/arrays embedded in prompt text. */
    json: z.boolean().default(true),
    /** Remove second and later copies of identical paragraphs of at least `minChars` characters. */
    dedupe: z
      .union([z.boolean(), z.strictObject({ minChars: z.number().int().min(8).default(80) })])
      .default(true),
    /** Keep the system prompt and the latest turns within `maxTokens`. */
    history: z
      .strictObject({
        maxTokens: z.number().int().min(1, 'must be at least 1 token'),
        /** Summarise the dropped turns with this (cheap) model; summaries are cached by the turns' hash. */
        summarize: z
          .strictObject({
            model: z.string().min(1),
            maxTokens: z.number().int().min(16, 'at least 16 tokens').default(256),
          })
          .optional(),
      })
      .optional(),
    /** Keep only the chunks of a retrieval prompt most relevant to the question, within `maxTokens`. */
    context: z
      .strictObject({
        maxTokens: z.number().int().min(1, 'must be at least 1 token'),
        /** Fewer chunks than this and the text is not treated as chunked context. */
        minChunks: z.number().int().min(2).default(4),
        method: z.enum(['bm25', 'embedding']).default('bm25'),
      })
      .optional(),
  })
  .superRefine((v, ctx) => {
    const h = v.history;
    if (h?.summarize && h.summarize.maxTokens >= h.maxTokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['history', 'summarize', 'maxTokens'],
        message: `the summary (${h.summarize.maxTokens} tokens) would leave no room in history.maxTokens (${h.maxTokens})`,
      });
    }
  });

export const compressGlobalSchema = z.strictObject({
  /** Summaries of dropped turns kept in memory (LRU). */
  summaryCacheSize: z.number().int().min(0).default(1000),
});

export type CompressFeatureConfig = z.output<typeof compressFeatureSchema>;
export type CompressGlobalConfig = z.output<typeof compressGlobalSchema>;
