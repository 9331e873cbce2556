/**
 * Numeric evidence that a cheap model's worked answer is wrong, read from the answer and its prompt: how long
 * and how many steps, calculator annotations and whether their arithmetic holds, the final number's shape
 * (missing, fractional, negative, copied from the question, its size against the question's numbers), how
 * many of the question's numbers the working uses, hedging and self-correction words, and an explicit
 * "####" answer line. The learned answer check (answer-check.ts) splits on these with boosted trees. A pure
 * function of the two texts; the names are stored in trained models to detect drift.
 */
import { extractFinalNumber } from './answer-normalise.js';
import { auditArithmetic } from './arithmetic.js';

export const ANSWER_FEATURE_NAMES: readonly string[] = [
  'log_answer_chars',
  'log_prompt_chars',
  'answer_lines',
  'calculator_annotations',
  'equations_checked',
  'equations_wrong',
  'final_missing',
  'final_fractional',
  'final_negative',
  'final_in_prompt',
  'final_vs_largest_prompt_number',
  'prompt_numbers_used_share',
  'prompt_numbers',
  'answer_distinct_numbers',
  'hedge_words',
  'answer_line_marker',
  'self_corrections',
];

const NUMBER_RE = /\d[\d,]*(?:\.\d+)?/g;
const HEDGE_RE = /\b(however|assum|approximately|round|not possible|cannot|actually|but since|can't have)\b/i;
const SELF_CORRECTION_RE = /\b(wait|mistake|correct(ion)?|re-?evaluate|let me)\b/gi;

function numbersOf(text: string): number[] {
  return (text.match(NUMBER_RE) ?? []).map((s) => Number(s.replace(/,/g, '')));
}

/** `ANSWER_FEATURE_NAMES.length` finite numbers for one answer to one prompt. */
export function answerFeatures(answer: string, prompt: string): number[] {
  const inPrompt = numbersOf(prompt);
  const inAnswer = new Set(numbersOf(answer));
  let largest = 0;
  for (const x of inPrompt) if (x > largest) largest = x;
  let used = 0;
  for (const x of inPrompt) if (inAnswer.has(x)) used++;
  const finalText = extractFinalNumber(answer);
  const final = finalText === null ? Number.NaN : Number(finalText);
  const has = Number.isFinite(final);
  const arith = auditArithmetic(answer);
  let lines = 0;
  for (const l of answer.split('\n')) if (l.trim() !== '') lines++;
  return [
    Math.log1p(answer.length),
    Math.log1p(prompt.length),
    lines,
    (answer.match(/<</g) ?? []).length,
    arith.checked,
    arith.wrong,
    finalText === null ? 1 : 0,
    has && !Number.isInteger(final) ? 1 : 0,
    has && final < 0 ? 1 : 0,
    has && inPrompt.includes(final) ? 1 : 0,
    has && largest > 0 ? Math.log1p(Math.abs(final)) - Math.log1p(largest) : 0,
    inPrompt.length === 0 ? 1 : used / inPrompt.length,
    inPrompt.length,
    inAnswer.size,
    HEDGE_RE.test(answer) ? 1 : 0,
    /####/.test(answer) ? 1 : 0,
    (answer.match(SELF_CORRECTION_RE) ?? []).length,
  ];
}
