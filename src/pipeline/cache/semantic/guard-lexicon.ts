/**
 * Word lists behind the semantic-hit guards: negators, antonym poles, number words, units, date words,
 * instruction verbs, output formats and a small gazetteer of places, languages and products that people
 * type in lowercase. Capitalised names need no list; these catch "paris" and "python" written in
 * lowercase. Lists hold surface forms; the guards compare them after the same stemming as the text.
 *
 * The lists are data: they live in guard-words/*.json (one file per topic) and are read once, when this
 * module loads. This module only gives them their types and checks the one shape JSON cannot express
 * (an antonym entry is a pair of poles).
 */
import abbreviations from './guard-words/abbreviations.json' with { type: 'json' };
import dates from './guard-words/dates.json' with { type: 'json' };
import entities from './guard-words/entities.json' with { type: 'json' };
import formats from './guard-words/formats.json' with { type: 'json' };
import numbers from './guard-words/numbers.json' with { type: 'json' };
import polarity from './guard-words/polarity.json' with { type: 'json' };
import questions from './guard-words/questions.json' with { type: 'json' };
import tasks from './guard-words/tasks.json' with { type: 'json' };
import units from './guard-words/units.json' with { type: 'json' };

type Words = readonly string[];
type Pole = readonly [Words, Words];

function poles(entries: readonly (readonly Words[])[]): readonly Pole[] {
  return entries.map((entry, i) => {
    const [a, b] = entry;
    if (entry.length !== 2 || !a || !b)
      throw new Error(`guard-words/polarity.json: antonymPoles[${i}] must be a pair of word lists`);
    return [a, b] as const;
  });
}

/** Words that flip the polarity of a sentence ("can't" is expanded to "can not" before this). */
export const NEGATORS: Words = polarity.negators;

/**
 * Antonym poles: a text that has a word of one pole and none of the other contradicts a text with the
 * opposite. Words of a pole are alternatives, not a phrase.
 */
export const ANTONYM_POLES: ReadonlyArray<Pole> = poles(polarity.antonymPoles);

/** Prefixes that negate the word they are attached to ("unlock", "disable", "non-nullable"). */
export const NEGATING_PREFIXES: Words = polarity.negatingPrefixes;

/** Canonical unit → the surface forms that name it. */
export const UNITS: Readonly<Record<string, Words>> = units.units;

/** Unit words that also mean something without a number: salient for the word-order check. */
export const STANDALONE_UNITS: Words = units.standaloneUnits;

export const NUMBER_WORDS: Readonly<Record<string, number>> = numbers.numberWords;
export const NUMBER_SCALES: Readonly<Record<string, number>> = numbers.numberScales;
export const ORDINAL_WORDS: Readonly<Record<string, number>> = numbers.ordinalWords;

/** Words after which "one" is a pronoun, not a count ("which one", "the new one"). */
export const ONE_PRONOUN_BEFORE: Words = numbers.onePronounBefore;

export const WEEKDAYS: Readonly<Record<string, string>> = dates.weekdays;
export const MONTHS: Readonly<Record<string, string>> = dates.months;

/** Month names that are also common words: a month only next to a number or a date preposition. */
export const AMBIGUOUS_MONTHS: Words = dates.ambiguousMonths;
export const DATE_PREPOSITIONS: Words = dates.datePrepositions;

/** Date words that are a date on their own. */
export const DATE_WORDS: Readonly<Record<string, string>> = dates.dateWords;

/** Relative date units that only count with a modifier ("next week", "this month"). */
export const DATE_UNITS: Words = dates.dateUnits;
export const DATE_MODIFIERS: Readonly<Record<string, string>> = dates.dateModifiers;

/** Verbs that name the task asked of a model; two texts asking different tasks never match. */
export const TASK_VERBS: Readonly<Record<string, Words>> = tasks.taskVerbs;

/** What a message is for ("an email thanking …" vs "an email asking …"); disjoint sets never match. */
export const PURPOSE_WORDS: Readonly<Record<string, Words>> = tasks.purposeWords;

/**
 * Output shapes, genres and tones. A strong format in one text only is a different instruction ("as a
 * haiku"); weak ones ("table", "json") are also plain nouns, so they conflict only when both texts name one.
 */
export const WEAK_FORMATS: Words = formats.weakFormats;
export const FORMAT_WORDS: Readonly<Record<string, Words>> = formats.formatWords;

/** Question words whose class must agree when both texts have one ("why" vs "when"). */
export const QUESTION_WORDS: Readonly<Record<string, string>> = questions.questionWords;

/** Lowercase aliases folded before entity comparison. */
export const ENTITY_ALIASES: Readonly<Record<string, string>> = entities.entityAliases;

/** Lowercase names worth recognising without capital letters. Ambiguous words (go, rust, swift) are left out. */
export const GAZETTEER: Words = entities.gazetteer;

/** Abbreviations whose period does not end a sentence. */
export const ABBREVIATIONS: Words = abbreviations.abbreviations;
