/**
 * A learned acceptance score for a cascade step: the probability that a model's answer is right, from
 * which earlier models it agrees with, what it answered, whether it hedges, and (optionally) the prompt's
 * words. The evidence is written as synthetic tokens and scored by the same hashed logistic model as the
 * router (`classifier.ts`), so one training and serialisation path serves both. Token names are letters
 * and digits only, because the tokenizer splits on everything else.
 */
import { predict, type RouterModel } from '../route/classifier.js';
import {
  type CandidateAnswer,
  type Check,
  type PeerAnswer,
  notRefusalOrHedge,
  scoreCheck,
} from './checks.js';
import { extractFinalNumber, normaliseAnswer } from './answer-normalise.js';
import { auditArithmetic } from './arithmetic.js';

const tok = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, 'x');

/**
 * The evidence text scored by an acceptance model: synthetic tokens for the answer's normalised form,
 * hedging, length, arithmetic, final-number shape and agreement with each peer, plus the words of the
 * answer's last 200 characters (where a final answer sits). The prompt contributes two bounded tokens —
 * its length bucket and the answer/prompt length ratio — never its words: a long few-shot prompt appended
 * to the evidence drowns the few tokens that say whether the answer is right.
 */
export function acceptanceFeatureText(
  model: string,
  answer: CandidateAnswer,
  peers: readonly PeerAnswer[],
  prompt?: string,
): string {
  const m = tok(model);
  const norm = normaliseAnswer(answer.text) ?? 'none';
  const a = tok(norm);
  const parts = [`zzm${m}`, `zza${a}`, `zzm${m}a${a}`];
  if (!notRefusalOrHedge(answer.text).passed) parts.push('zzhedge');
  parts.push(`zzlen${Math.min(14, Math.floor(Math.log2(1 + answer.text.length)))}`);
  const arith = auditArithmetic(answer.text);
  parts.push(arith.checked === 0 ? 'zzarithnone' : arith.wrong > 0 ? 'zzarithwrong' : 'zzarithok');
  if (arith.wrong > 1) parts.push('zzarithwrongmany');
  const fin = extractFinalNumber(answer.text);
  if (fin !== null)
    parts.push(fin.includes('.') ? 'zzfinaldecimal' : fin.startsWith('-') ? 'zzfinalnegative' : 'zzfinalint');
  if (prompt !== undefined) {
    parts.push(`zzplen${Math.min(16, Math.floor(Math.log2(1 + prompt.length)))}`);
    if (answer.text.length > 0) {
      parts.push(
        `zzratio${Math.max(-4, Math.min(4, Math.round(Math.log2(answer.text.length / Math.max(1, prompt.length)))))}`,
      );
    }
  }
  let agree = 0;
  for (const p of peers) {
    const pm = tok(p.model);
    const pn = normaliseAnswer(p.answer.text) ?? 'none';
    const same = pn === norm;
    if (same) agree++;
    parts.push(`zzp${pm}${same ? 'agree' : 'disagree'}`, `zzp${pm}a${tok(pn)}`);
  }
  parts.push(`zzagree${agree}of${peers.length}`);
  if (peers.length > 0 && agree === peers.length) parts.push('zzallagree');
  if (peers.length > 0 && agree === 0) parts.push('zznoneagree');
  // The answer's own closing words go last so the synthetic tokens' bigrams stay among themselves.
  const tail = answer.text.slice(-200).trim();
  return tail ? `${parts.join(' ')} . ${tail}` : parts.join(' ');
}

/** A cascade check passing when the acceptance model's score is at least `min`. */
export function acceptanceCheck(
  acceptModel: RouterModel,
  stepModel: string,
  min: number,
  name = 'acceptance',
): Check {
  return scoreCheck(
    name,
    (answer, ctx) =>
      predict(acceptModel, acceptanceFeatureText(stepModel, answer, ctx.peers ?? [], ctx.prompt)),
    min,
  );
}
