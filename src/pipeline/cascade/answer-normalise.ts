/**
 * Reducing a free-text answer to something two answers can be compared on: a final number, an option
 * letter, yes/no, or normalised text. The extractors look for an explicit final-answer marker first
 * ("#### 42", "the answer is (B)", "\boxed{7}", "Answer: Yes") and only then fall back to the last
 * number or the leading word, because working shown before the answer mentions other numbers.
 */

export type AgreementMode = 'auto' | 'number' | 'option' | 'yesno' | 'text' | 'exact';

const NUM = String.raw`-?\$?\d[\d,]*(?:\.\d+)?`;
const MARKED_NUMBER = [
  new RegExp(String.raw`####\s*(${NUM})`),
  new RegExp(String.raw`\\boxed\{\s*(${NUM})\s*\}`),
  new RegExp(String.raw`(?:final answer|the answer|answer)\s*(?:is|:|=)?\s*:?\s*(${NUM})`, 'i'),
];
const ANY_NUMBER = new RegExp(NUM, 'g');

function canonicalNumber(raw: string): string | null {
  const n = Number(raw.replace(/[$,]/g, ''));
  if (!Number.isFinite(n)) return null;
  return String(Math.round(n * 1e9) / 1e9);
}

/** The final numeric answer ("1,000.50" → "1000.5"), or null when the text has no number. */
export function extractFinalNumber(text: string): string | null {
  for (const re of MARKED_NUMBER) {
    const m = re.exec(text);
    if (m?.[1]) return canonicalNumber(m[1]);
  }
  const all = text.match(ANY_NUMBER);
  const last = all?.[all.length - 1];
  return last === undefined ? null : canonicalNumber(last);
}

const OPTION_PATTERNS = [
  /(?:answer|option|choice)\s*(?:is|:)?\s*:?\s*\(?([A-J])\)?(?![a-z])/i,
  /^\s*\(?([A-J])\)?\s*(?:[.):]|$)/,
  /^\s*\(?([A-Ja-j])\)?\s*$/m,
];

/** The chosen option letter (A–J), upper-case, or null. */
export function extractOptionLetter(text: string): string | null {
  for (const re of OPTION_PATTERNS) {
    const m = re.exec(text);
    if (m?.[1]) return m[1].toUpperCase();
  }
  return null;
}

/** "yes" / "no" when the answer leads with (or declares) one, else null. */
export function extractYesNo(text: string): 'yes' | 'no' | null {
  const lead = /^\W*(yes|no)\b/i.exec(text);
  if (lead?.[1]) return lead[1].toLowerCase() as 'yes' | 'no';
  const marked = /\banswer\s*(?:is|:)\s*\W*(yes|no)\b/i.exec(text);
  if (marked?.[1]) return marked[1].toLowerCase() as 'yes' | 'no';
  return null;
}

/** Lower-case, whitespace collapsed, surrounding punctuation and quotes dropped. */
export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s"'`“”‘’.,;:!?()[\]]+|[\s"'`“”‘’.,;:!?()[\]]+$/g, '');
}

/**
 * The comparable form of an answer under `mode`. `exact` compares trimmed text as is; `auto` takes yes/no if the answer leads with it, then
 * an option letter for short answers, then a final number, then normalised text.
 */
export function normaliseAnswer(text: string, mode: AgreementMode = 'auto'): string | null {
  switch (mode) {
    case 'number':
      return extractFinalNumber(text);
    case 'option':
      return extractOptionLetter(text);
    case 'yesno':
      return extractYesNo(text);
    case 'exact': {
      const t = text.trim();
      return t === '' ? null : t;
    }
    case 'text': {
      const t = normaliseText(text);
      return t === '' ? null : t;
    }
    case 'auto': {
      const yn = extractYesNo(text);
      if (yn) return `yesno:${yn}`;
      const trimmed = text.trim();
      if (trimmed.length <= 40) {
        const opt = extractOptionLetter(trimmed);
        if (opt) return `option:${opt}`;
      }
      const num = extractFinalNumber(text);
      if (num !== null) return `number:${num}`;
      const t = normaliseText(text);
      return t === '' ? null : `text:${t}`;
    }
  }
}
