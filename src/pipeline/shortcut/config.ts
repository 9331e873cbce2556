/**
 * Shortcut tier (answers with no LLM call): the per-feature policy (under `features.<name>.shortcut` in the config) and the global settings
 * (under `shortcut` at the top level). Validated at start-up; unknown fields are errors that name their path.
 * The FAQ lives in its own file (`shortcut.faqFile`), validated when the gateway starts (see faq-file.ts).
 */
import { z } from 'zod';

const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, . _ and -'),
    /** A regular expression tested against the question (case-insensitive unless `flags` says otherwise). */
    pattern: z.string().min(1),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only i, m, s and u')
      .default('i'),
    /** The answer; $1 / $<name> are replaced by the pattern's groups. */
    answer: z.string().min(1).optional(),
    /** Or: a URL that gets the question as JSON and returns {"answer": "…"} (or {"answer": null} to pass). */
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        timeoutMs: z.number().int().positive().default(1000),
        headers: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
  })
  .superRefine((r, ctx) => {
    if ((r.answer === undefined) === (r.webhook === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['answer'],
        message: 'a rule needs exactly one of "answer" or "webhook"',
      });
    try {
      new RegExp(r.pattern, r.flags);
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `not a valid regular expression: ${(e as Error).message}`,
      });
    }
  });

export const shortcutFeatureSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Answer from the FAQ file. */
  faq: z.boolean().default(true),
  /** Rules to try, by name (default: all). */
  rules: z.array(z.string().min(1)).optional(),
  /** Similarity (0–1) a FAQ question must reach; overrides `shortcut.threshold`. */
  threshold: z.number().min(0).max(1).optional(),
  /** Only answer conversations of a single user turn (a follow-up question depends on its context). */
  singleTurnOnly: z.boolean().default(true),
});

export const shortcutGlobalSchema = z.strictObject({
  /** FAQ file (YAML or JSON): entries of question variants and one answer. Relative to the config file. */
  faqFile: z.string().min(1).optional(),
  /** Default similarity threshold for FAQ matches. */
  threshold: z.number().min(0).max(1).default(0.6),
  rules: z.array(ruleSchema).default([]),
});

export type ShortcutFeatureConfig = z.output<typeof shortcutFeatureSchema>;
export type ShortcutGlobalConfig = z.output<typeof shortcutGlobalSchema>;
export type ShortcutRule = z.output<typeof ruleSchema>;
