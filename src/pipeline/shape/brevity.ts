/**
 * Brevity instructions ("Answer in at most 2 sentences.") built from a feature's policy and appended to the
 * system prompt. They go after everything else, and into a part of their own when the last part carries a
 * cache breakpoint, so the cached prefix of the prompt is unchanged.
 */
import type { CanonicalRequest, TextPart } from '../../core/request.js';
import type { BrevityConfig } from './config.js';

export function brevityInstruction(b: BrevityConfig): string {
  if (b.text !== undefined) return b.text;
  const parts: string[] = [];
  if (b.sentences !== undefined)
    parts.push(`Answer in at most ${b.sentences} sentence${b.sentences === 1 ? '' : 's'}.`);
  if (b.words !== undefined) parts.push(`Use at most ${b.words} words.`);
  if (b.bullets !== undefined)
    parts.push(
      b.bullets === true
        ? 'Answer with short bullet points.'
        : `Answer with at most ${b.bullets} short bullet points.`,
    );
  if (b.json) parts.push('Answer with compact JSON only, no prose.');
  if (b.concise) parts.push('Be concise: no preamble, no repetition of the question.');
  return parts.join(' ');
}

export function appendToSystem(req: CanonicalRequest, instruction: string): CanonicalRequest {
  const last = req.system.at(-1);
  let system: TextPart[];
  if (!last) system = [{ type: 'text', text: instruction }];
  else if (last.cacheControl) system = [...req.system, { type: 'text', text: `\n\n${instruction}` }];
  else system = [...req.system.slice(0, -1), { ...last, text: `${last.text}\n\n${instruction}` }];
  return { ...req, system };
}
