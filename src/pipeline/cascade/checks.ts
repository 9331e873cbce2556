/**
 * Quality checks on a cascade step's answer. Each check is a pure function returning
 * `{ name, passed, score?, detail? }`; `compileCheck` turns a config spec into a ready check once, at
 * start-up, so a bad regex or a JSON schema that does not compile is a ConfigError before any request
 * is served. A check that lacks its input (no log-probabilities from the provider) passes and says so
 * in `detail`, while `agreement` without an earlier answer fails: it exists to force a second opinion.
 */
import { MAX_JSON_DEPTH, tooDeepAt } from '../../core/json-depth.js';
import { ConfigError } from '../../core/errors.js';
import { type AgreementMode, normaliseAnswer } from './answer-normalise.js';
import { auditArithmetic } from './arithmetic.js';
import { compileJsonSchema, type JsonValidator, SchemaCompileError } from './json-schema.js';

/** One token's log-probability, as in OpenAI's `choices[].logprobs.content[]`. */
export interface TokenLogprob {
  token: string;
  logprob: number;
}

export interface CandidateAnswer {
  text: string;
  logprobs?: readonly TokenLogprob[] | null;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  score?: number;
  detail?: string;
  /** Checks that run something (the sandboxed code tests): wall-clock and CPU time, ms. */
  latencyMs?: number;
  cpuMs?: number | null;
}

/** An answer given earlier in the same cascade, newest first. */
export interface PeerAnswer {
  model: string;
  answer: CandidateAnswer;
}

export interface CheckContext {
  peers?: readonly PeerAnswer[];
  /** Token counter for `lengthBounds` in tokens; default ceil(chars / 4). */
  countTokens?: (text: string) => number;
  /** The user's prompt, for checks that score the answer in context. */
  prompt?: string;
}

export interface Check {
  readonly name: string;
  run(answer: CandidateAnswer, ctx?: CheckContext): CheckResult;
}

// --------------------------------------------------------------------------------------------------
// Pure checks.

export function nonEmpty(text: string): CheckResult {
  const passed = text.trim().length > 0;
  return { name: 'nonEmpty', passed, ...(passed ? {} : { detail: 'empty answer' }) };
}

/** Phrases that mark a refusal or a hedge rather than an answer. */
export const REFUSAL_PATTERNS: readonly RegExp[] = [
  /\bI\s*(?:can['’]?t|cannot|can not)\b(?!\s+(?:wait|stress|emphasi[sz]e|recommend enough))/i,
  /\bI['’]?m\s+(?:not\s+able|unable)\b|\bI\s+am\s+(?:not\s+able|unable)\b/i,
  /\bas\s+an?\s+(?:AI|artificial intelligence|language model|large language model)\b/i,
  /\bI['’]?m\s+not\s+(?:sure|certain)\b|\bI\s+am\s+not\s+(?:sure|certain)\b/i,
  /\bI\s+(?:don['’]?t|do\s+not)\s+(?:know|have\s+(?:access|enough|the\s+ability))\b/i,
  /\b(?:cannot|can['’]?t|unable\s+to)\s+(?:be\s+)?determined?\b/i,
  /\b(?:insufficient|not\s+enough)\s+(?:information|context)\b/i,
  /\bincomplete\s+context\b/i,
  /\bI\s+(?:apologi[sz]e|am\s+sorry|['’]m\s+sorry)\b/i,
  /\bI\s+(?:won['’]?t|will\s+not)\s+(?:be\s+able|help|provide|assist)\b/i,
];

/** Fails when the answer refuses or hedges. Long answers are searched at their start and end only. */
export function notRefusalOrHedge(text: string, extra: readonly RegExp[] = []): CheckResult {
  const hay = text.length > 1200 ? `${text.slice(0, 600)}\n${text.slice(-400)}` : text;
  for (const re of [...REFUSAL_PATTERNS, ...extra]) {
    const m = re.exec(hay);
    if (m) return { name: 'notRefusalOrHedge', passed: false, detail: `matched "${m[0]}"` };
  }
  return { name: 'notRefusalOrHedge', passed: true };
}

/** The JSON body of an answer, accepting one surrounding ``` fence. */
export function stripJsonFence(text: string): string {
  const m = /^\s*```(?:json|JSON)?\s*\n?([\s\S]*?)\n?\s*```\s*$/.exec(text);
  return m?.[1] ?? text;
}

export function parseJsonAnswer(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    const value: unknown = JSON.parse(stripJsonFence(text));
    // Schema checks walk the value recursively: an absurdly deep answer fails instead of exhausting the stack.
    if (tooDeepAt(value) !== null) return { ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` };
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export function validJson(text: string): CheckResult {
  const r = parseJsonAnswer(text);
  return r.ok ? { name: 'validJson', passed: true } : { name: 'validJson', passed: false, detail: r.error };
}

export function matchesJsonSchema(text: string, validate: JsonValidator): CheckResult {
  const r = parseJsonAnswer(text);
  if (!r.ok) return { name: 'matchesJsonSchema', passed: false, detail: `not JSON: ${r.error}` };
  const errors = validate(r.value);
  return errors.length === 0
    ? { name: 'matchesJsonSchema', passed: true }
    : { name: 'matchesJsonSchema', passed: false, detail: errors.slice(0, 5).join('; ') };
}

export function regexCheck(text: string, re: RegExp, mustMatch = true, name = 'regex'): CheckResult {
  re.lastIndex = 0;
  const matched = re.test(text);
  const passed = matched === mustMatch;
  return {
    name,
    passed,
    ...(passed ? {} : { detail: `${mustMatch ? 'does not match' : 'matches'} /${re.source}/${re.flags}` }),
  };
}

export interface LengthBounds {
  min?: number;
  max?: number;
  unit?: 'chars' | 'tokens';
}

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

export function lengthBounds(text: string, b: LengthBounds, countTokens = estimateTokens): CheckResult {
  const unit = b.unit ?? 'chars';
  const n = unit === 'chars' ? [...text].length : countTokens(text);
  const low = b.min !== undefined && n < b.min;
  const high = b.max !== undefined && n > b.max;
  return {
    name: 'lengthBounds',
    passed: !low && !high,
    score: n,
    ...(low
      ? { detail: `${n} ${unit} < min ${b.min}` }
      : high
        ? { detail: `${n} ${unit} > max ${b.max}` }
        : {}),
  };
}

export interface LogprobThresholds {
  /** Minimum mean token log-probability (e.g. -0.3). */
  minMeanLogprob?: number;
  /** Minimum probability of the least likely token (e.g. 0.2). */
  minTokenProb?: number;
  /** Result when the provider returned no log-probabilities. Default pass. */
  whenMissing?: 'pass' | 'fail';
}

/** Confidence from token log-probabilities; `score` is the mean token probability exp(mean logprob). */
export function logprobConfidence(
  logprobs: readonly TokenLogprob[] | null | undefined,
  t: LogprobThresholds,
): CheckResult {
  if (!logprobs || logprobs.length === 0) {
    return { name: 'logprobConfidence', passed: (t.whenMissing ?? 'pass') === 'pass', detail: 'no logprobs' };
  }
  let sum = 0;
  let min = 0;
  for (const lp of logprobs) {
    sum += lp.logprob;
    if (lp.logprob < min) min = lp.logprob;
  }
  const mean = sum / logprobs.length;
  const minProb = Math.exp(min);
  const failMean = t.minMeanLogprob !== undefined && mean < t.minMeanLogprob;
  const failMin = t.minTokenProb !== undefined && minProb < t.minTokenProb;
  const detail = `mean logprob ${mean.toFixed(3)}, min token p ${minProb.toFixed(3)}`;
  return { name: 'logprobConfidence', passed: !failMean && !failMin, score: Math.exp(mean), detail };
}

/** Two answers agree when their normalised forms (see `normaliseAnswer`) are equal and non-null. */
export function agreement(a: string, b: string, mode: AgreementMode = 'auto'): CheckResult {
  const na = normaliseAnswer(a, mode);
  const nb = normaliseAnswer(b, mode);
  if (na === null || nb === null) {
    return { name: 'agreement', passed: false, score: 0, detail: 'no comparable answer' };
  }
  const passed = na === nb;
  return { name: 'agreement', passed, score: passed ? 1 : 0, detail: `${na} vs ${nb}` };
}

/** Fails when any equation the answer writes down ("3 x 60 = 180", "<<3*60=180>>") is wrong. */
export function arithmeticConsistency(text: string): CheckResult {
  const a = auditArithmetic(text);
  return {
    name: 'arithmeticConsistency',
    passed: a.wrong === 0,
    score: a.checked === 0 ? 1 : 1 - a.wrong / a.checked,
    detail: a.wrong === 0 ? `${a.checked} equations checked` : `wrong: ${a.examples.join('; ')}`,
  };
}

// --------------------------------------------------------------------------------------------------
// Config specs and compilation.

export type CheckSpec =
  | { type: 'nonEmpty' }
  | { type: 'notRefusalOrHedge'; extraPatterns?: string[] }
  | { type: 'validJson' }
  | { type: 'arithmetic' }
  | { type: 'jsonSchema'; schema: unknown }
  | { type: 'regex'; pattern: string; flags?: string; mustMatch?: boolean; name?: string }
  | ({ type: 'length' } & LengthBounds)
  | ({ type: 'logprob' } & LogprobThresholds)
  | {
      type: 'agreement';
      mode?: AgreementMode;
      /** Compare with this earlier model only; default: the most recent earlier answer. */
      withModel?: string;
    };

function compileRegex(pattern: string, flags: string | undefined, path: string): RegExp {
  try {
    return new RegExp(pattern, (flags ?? '').replace(/[gy]/g, ''));
  } catch (e) {
    throw new ConfigError(path, `invalid regular expression: ${(e as Error).message}`, e);
  }
}

/** Compiles one check spec; throws ConfigError (with `path`) for anything that cannot work. */
export function compileCheck(spec: CheckSpec, path = 'check'): Check {
  switch (spec.type) {
    case 'nonEmpty':
      return { name: 'nonEmpty', run: (a) => nonEmpty(a.text) };
    case 'notRefusalOrHedge': {
      const extra = (spec.extraPatterns ?? []).map((p, i) =>
        compileRegex(p, 'i', `${path}.extraPatterns[${i}]`),
      );
      return { name: 'notRefusalOrHedge', run: (a) => notRefusalOrHedge(a.text, extra) };
    }
    case 'validJson':
      return { name: 'validJson', run: (a) => validJson(a.text) };
    case 'arithmetic':
      return { name: 'arithmeticConsistency', run: (a) => arithmeticConsistency(a.text) };
    case 'jsonSchema': {
      let validate: JsonValidator;
      try {
        validate = compileJsonSchema(spec.schema);
      } catch (e) {
        if (e instanceof SchemaCompileError) {
          throw new ConfigError(`${path}.schema`, `JSON schema does not compile: ${e.message}`, e);
        }
        throw e;
      }
      return { name: 'matchesJsonSchema', run: (a) => matchesJsonSchema(a.text, validate) };
    }
    case 'regex': {
      const re = compileRegex(spec.pattern, spec.flags, `${path}.pattern`);
      const name = spec.name ?? 'regex';
      return { name, run: (a) => regexCheck(a.text, re, spec.mustMatch ?? true, name) };
    }
    case 'length': {
      if (spec.min === undefined && spec.max === undefined)
        throw new ConfigError(path, 'length check needs min or max');
      if (spec.min !== undefined && spec.max !== undefined && spec.min > spec.max) {
        throw new ConfigError(path, `length min ${spec.min} > max ${spec.max}`);
      }
      return { name: 'lengthBounds', run: (a, ctx) => lengthBounds(a.text, spec, ctx?.countTokens) };
    }
    case 'logprob': {
      if (spec.minMeanLogprob === undefined && spec.minTokenProb === undefined) {
        throw new ConfigError(path, 'logprob check needs minMeanLogprob or minTokenProb');
      }
      if (spec.minMeanLogprob !== undefined && spec.minMeanLogprob > 0) {
        throw new ConfigError(`${path}.minMeanLogprob`, 'a log-probability is <= 0');
      }
      if (spec.minTokenProb !== undefined && (spec.minTokenProb < 0 || spec.minTokenProb > 1)) {
        throw new ConfigError(`${path}.minTokenProb`, 'a probability is in [0, 1]');
      }
      return { name: 'logprobConfidence', run: (a) => logprobConfidence(a.logprobs, spec) };
    }
    case 'agreement': {
      const mode = spec.mode ?? 'auto';
      return {
        name: 'agreement',
        run: (a, ctx) => {
          const peers = ctx?.peers ?? [];
          const peer = spec.withModel ? peers.find((p) => p.model === spec.withModel) : peers[0];
          if (!peer) {
            return {
              name: 'agreement',
              passed: false,
              score: 0,
              detail: 'no earlier answer to compare with',
            };
          }
          const r = agreement(a.text, peer.answer.text, mode);
          return { ...r, detail: `with ${peer.model}: ${r.detail ?? ''}` };
        },
      };
    }
  }
}

export function compileChecks(specs: readonly CheckSpec[], path = 'checks'): Check[] {
  return specs.map((s, i) => compileCheck(s, `${path}[${i}]`));
}

/** A check from a score function: passes when score >= min (e.g. a learned acceptance model). */
export function scoreCheck(
  name: string,
  score: (a: CandidateAnswer, ctx: CheckContext) => number,
  min: number,
): Check {
  return {
    name,
    run: (a, ctx) => {
      const s = score(a, ctx ?? {});
      return { name, passed: s >= min, score: s };
    },
  };
}

export interface ChecksOutcome {
  passed: boolean;
  results: CheckResult[];
}

/** Runs every check (no short-circuit, so the ledger records each result). */
export function runChecks(
  answer: CandidateAnswer,
  checks: readonly Check[],
  ctx?: CheckContext,
): ChecksOutcome {
  const results = checks.map((c) => c.run(answer, ctx));
  return { passed: results.every((r) => r.passed), results };
}
