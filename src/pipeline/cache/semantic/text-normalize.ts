/**
 * Text normalisation shared by the local embedder and the hit guards: lowercasing, contraction expansion
 * ("can't" → "can not"), currency symbols as words, multi-word phrases folded into one token, a light
 * suffix stemmer and the synonym map. The stemmer is crude on purpose: it only has to map the forms of one
 * word to the same key consistently ("charges", "charged", "charging" → "charg"), not to produce words.
 */
import { PHRASES, STOP_WORDS, SYNONYMS } from './lexicon.js';

const CONTRACTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bcan't\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/\bain't\b/g, 'is not'],
  [/\blet's\b/g, 'let us'],
  [/n't\b/g, ' not'],
  [/'re\b/g, ' are'],
  [/'ve\b/g, ' have'],
  [/'ll\b/g, ' will'],
  [/'d\b/g, ' would'],
  [/'m\b/g, ' am'],
  [/\b(it|what|that|there|here|how|where|who|he|she|when|why|which)'s\b/g, '$1 is'],
  [/'s\b/g, ''],
];

/** Lowercase, unify quotes and dashes, expand contractions, spell currency symbols as words. */
export function normalizeText(text: string): string {
  let s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'");
  s = s.replace(/[\u2013\u2014]/g, ' - ');
  s = s.replace(/\bcannot\b/g, 'can not');
  if (s.includes("'")) for (const [re, to] of CONTRACTIONS) s = s.replace(re, to);
  s = s
    .replace(/\$\s?(\d)/g, ' usd $1')
    .replace(/€\s?(\d)/g, ' eur $1')
    .replace(/£\s?(\d)/g, ' gbp $1');
  return s;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface PhraseTable {
  re: RegExp;
  to: Map<string, string>;
}

function buildPhraseTable(): PhraseTable {
  const to = new Map<string, string>();
  for (const [canon, list] of Object.entries(PHRASES)) for (const p of list) to.set(p, canon);
  for (const group of SYNONYMS) {
    const canon = group[0]!;
    for (const w of group) if (w.includes(' ')) to.set(w, canon);
  }
  const keys = [...to.keys()].sort((a, b) => b.length - a.length);
  const alt = keys.map((k) => escapeRe(k).replace(/ /g, '\\s+')).join('|');
  return { re: new RegExp(`(?<![a-z0-9])(?:${alt})(?![a-z0-9])`, 'g'), to };
}

const PHRASE_TABLE = buildPhraseTable();

/** Replaces every known multi-word phrase by its one-token canonical form. Input must be normalised. */
export function foldPhrases(normalized: string): string {
  return normalized.replace(PHRASE_TABLE.re, (m) => ` ${PHRASE_TABLE.to.get(m.replace(/\s+/g, ' ')) ?? m} `);
}

const VOWEL = /[aeiouy]/;

function undouble(s: string): string {
  const n = s.length;
  if (n >= 3 && s[n - 1] === s[n - 2] && !'lsz'.includes(s[n - 1]!)) return s.slice(0, -1);
  return s;
}

/** A light suffix stripper: plural, -ing, -ed, -ly, final e. Words with digits are left alone. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  let s = word;
  if (s.endsWith('ies') && s.length > 4) s = `${s.slice(0, -3)}y`;
  else if (s.endsWith('sses')) s = s.slice(0, -2);
  else if (/(?:ch|sh|x|z)es$/.test(s)) s = s.slice(0, -2);
  else if (s.endsWith('s') && !/(?:ss|us|is|ys)$/.test(s)) s = s.slice(0, -1);
  if (s.endsWith('ing') && s.length > 5 && VOWEL.test(s.slice(0, -3))) s = undouble(s.slice(0, -3));
  else if (s.endsWith('ed') && s.length > 3 && VOWEL.test(s.slice(0, -2))) s = undouble(s.slice(0, -2));
  else if (s.endsWith('ly') && s.length > 5) s = s.slice(0, -2);
  if (s.endsWith('e') && s.length > 3) s = s.slice(0, -1);
  return s;
}

const SYNONYM_OF = new Map<string, string>();
for (const group of SYNONYMS) {
  const canon = group[0]!;
  for (const w of group) if (!w.includes(' ')) SYNONYM_OF.set(stem(w), canon);
}

const STOP = new Set(STOP_WORDS);

export function isStopWord(word: string): boolean {
  return STOP.has(word);
}

/** The key under which a lowercase surface word is compared: stemmed, then mapped through the synonyms. */
export function canonicalWord(word: string): string {
  const s = stem(word);
  return SYNONYM_OF.get(s) ?? s;
}

const TOKEN = /[a-z]+|\d+(?:[.,]\d+)*/g;

/** Lowercase word and number tokens of an already normalised, phrase-folded string. */
export function wordTokens(folded: string): string[] {
  return folded.match(TOKEN) ?? [];
}

/** The full pipeline: normalise, fold phrases, tokenise, drop stop words, canonicalise. */
export function contentTokens(text: string): string[] {
  const out: string[] = [];
  for (const w of wordTokens(foldPhrases(normalizeText(text)))) {
    if (STOP.has(w)) continue;
    out.push(/^\d/.test(w) ? w.replace(/,(?=\d{3}\b)/g, '') : canonicalWord(w));
  }
  return out;
}
