/**
 * Prompt lint: finds what a prompt pays for on every request without the model needing it — role preambles
 * ("You are a highly experienced…"), politeness, filler instructions, duplicated sentences, runs of
 * whitespace — and dynamic content (dates, times, ids, names) placed before stable text, which breaks
 * provider prefix caching. It counts the tokens of each finding and proposes a shorter prompt with a
 * rule-based rewrite that lists exactly what it removed or moved; it never invents new wording.
 */
import { countText } from '../tokens/index.js';
import { normalizeWhitespace } from '../pipeline/compress/whitespace.js';

export type LintRule = 'preamble' | 'politeness' | 'filler' | 'duplicate' | 'dynamic' | 'whitespace';

export interface LintFinding {
  rule: LintRule;
  message: string;
  /** The text at fault (shortened for display). */
  excerpt: string;
  /** Tokens this finding costs on every request (for `dynamic`: the tokens after it that cannot be cached). */
  tokens: number;
}

export interface LintResult {
  model: string;
  tokens: number;
  /** Whether token counts are exact (OpenAI tokenizer) or estimates. */
  exact: boolean;
  findings: LintFinding[];
  rewrite: string;
  rewriteTokens: number;
  /** What the rewrite did, in words. */
  changes: string[];
}

const PREAMBLE =
  /\byou are (?:an? |the )?(?:(?:highly|very|extremely|incredibly|truly|deeply|most) )*(?:experienced|skilled|knowledgeable|helpful|expert|world[- ]class|professional|friendly|seasoned|talented|brilliant)\b[^.!?\n]*[.!?]?/gi;
const POLITENESS =
  /\b(?:thank you(?: (?:very|so) much)?(?: in advance)?(?: for your help)?|thanks(?: in advance)?|if you (?:don't|do not) mind|i would (?:really )?appreciate (?:it )?if you could)[.!,]?|\b(?:please|kindly)\b,?/gi;
const FILLER =
  /\b(?:it is (?:very |extremely |really )?important (?:that|to)|(?:always )?make sure (?:that |to )?|i want you to|i would like you to|your task is to|as an ai(?: language model)?,?|remember to|(?:do )?not forget to)\s*/gi;
const DYNAMIC: Array<[RegExp, string]> = [
  [
    /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?/g,
    'a date or timestamp',
  ],
  [/\b(?:today is|current (?:date|time)|the date is|now is)\b[^\n.]*/gi, 'the current date'],
  [/\b\d{1,2}:\d{2}(?::\d{2})?\s?(?:am|pm|utc)?\b/gi, 'a time of day'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, 'a UUID'],
  [/\b(?:request|session|user|customer|order|trace)[ _-]?id\s*[:=]\s*\S+/gi, 'an id'],
  [
    /\b(?:the user'?s name is|user name:|customer name:|you are (?:talking|speaking) (?:to|with))\s+[A-Z][\w'-]*(?: [A-Z][\w'-]*)?/g,
    'a user name',
  ],
];
/** Dynamic content followed by at least this many tokens of stable text is reported. */
const DYNAMIC_MIN_TAIL = 50;

function shorten(s: string, n = 70): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function sentences(text: string): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  const re = /[^.!?\n]+[.!?]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim().length > 0) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  }
  return out;
}

/** Upper-cases the first letter of each sentence that lost its opening words. */
function recapitalise(text: string): string {
  return text.replace(/(^\s*|[.!?]\s+|\n\s*)([a-z])/g, (_, p: string, c: string) => p + c.toUpperCase());
}

export function lintPrompt(text: string, opts: { model?: string } = {}): LintResult {
  const model = opts.model ?? 'gpt-4o';
  const count = (s: string) => countText(s, model).tokens;
  const total = countText(text, model);
  const findings: LintFinding[] = [];
  const changes: string[] = [];
  let rewrite = text;

  const removeAll = (re: RegExp, rule: LintRule, message: string) => {
    const hits = [...rewrite.matchAll(re)].map((m) => m[0]);
    if (hits.length === 0) return;
    for (const h of hits) findings.push({ rule, message, excerpt: shorten(h), tokens: count(h) });
    rewrite = rewrite.replace(re, '');
    changes.push(
      `removed ${hits.length} ${rule} phrase${hits.length > 1 ? 's' : ''}: ${hits.map((h) => `"${shorten(h, 40)}"`).join(', ')}`,
    );
  };
  removeAll(PREAMBLE, 'preamble', 'role preamble: the model does not need flattery to do the task');
  removeAll(POLITENESS, 'politeness', 'politeness costs tokens on every request and changes nothing');
  removeAll(FILLER, 'filler', 'filler instruction: state the instruction directly');

  // Duplicated sentences (compared without case, spacing and punctuation): later copies go.
  const seen = new Set<string>();
  const dupes: Array<{ start: number; end: number; text: string }> = [];
  for (const s of sentences(rewrite)) {
    const key = s.text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
    if (key.split(' ').length < 3) continue;
    if (seen.has(key)) dupes.push(s);
    else seen.add(key);
  }
  for (const d of dupes.reverse()) {
    findings.push({
      rule: 'duplicate',
      message: 'this instruction is given twice',
      excerpt: shorten(d.text),
      tokens: count(d.text),
    });
    rewrite = rewrite.slice(0, d.start) + rewrite.slice(d.end);
  }
  if (dupes.length) changes.push(`removed ${dupes.length} duplicated sentence${dupes.length > 1 ? 's' : ''}`);

  // Dynamic content with stable text after it: move its lines to the end, where it does not break the cached prefix.
  const lines = rewrite.split('\n');
  const moved: string[] = [];
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const hit = DYNAMIC.find(([re]) => {
      re.lastIndex = 0;
      return re.test(line);
    });
    const tail = count(lines.slice(i + 1).join('\n'));
    if (hit && tail >= DYNAMIC_MIN_TAIL) {
      hit[0].lastIndex = 0;
      const what = hit[0].exec(line)?.[0] ?? line;
      findings.push({
        rule: 'dynamic',
        message: `${hit[1]} before ${tail} tokens of stable text: it changes per request and breaks prefix caching of everything after it`,
        excerpt: shorten(what),
        tokens: tail,
      });
      moved.push(line);
    } else kept.push(line);
  }
  if (moved.length) {
    rewrite = `${kept.join('\n')}\n\n${moved.join('\n')}`;
    changes.push(`moved ${moved.length} line${moved.length > 1 ? 's' : ''} with dynamic content to the end`);
  }

  rewrite = recapitalise(
    rewrite
      .replace(/[ \t]+([.,!?])/g, '$1')
      .replace(/^[ \t]*[,.]\s*/gm, '')
      .replace(/^ (?=[A-Za-z])/gm, ''),
  );
  const tidy = normalizeWhitespace(rewrite).trim();
  const wsTokens = count(rewrite) - count(tidy);
  const original = normalizeWhitespace(text);
  if (original !== text) {
    const t = total.tokens - count(original);
    if (t > 0)
      findings.push({
        rule: 'whitespace',
        message: 'runs of spaces and blank lines',
        excerpt: '(whitespace)',
        tokens: t,
      });
  }
  if (wsTokens > 0 || original !== text) changes.push('normalised whitespace');
  rewrite = tidy;
  return {
    model,
    tokens: total.tokens,
    exact: total.exact,
    findings,
    rewrite,
    rewriteTokens: count(rewrite),
    changes,
  };
}
