/**
 * The LLM judge: the prompt that asks a model whether the tactic's answer (the candidate) is as good as the
 * answer to the request as sent (the reference), and the strict reading of its verdict. The judge must answer
 * one JSON object, `{"verdict": "agree" | "disagree", "score"?: 0..1}` (a single ```json fence around it is
 * tolerated); anything else — prose, a missing or unknown verdict, extra fields, a score out of range — is
 * "no verdict", never agreement.
 */
import type { CanonicalRequest, ContentPart } from '../core/request.js';
import type { Comparison } from './agreement.js';

/** Bounds of the texts put in a judge prompt (characters): the transcript keeps its end, answers their start. */
const MAX_TRANSCRIPT = 12_000;
const MAX_ANSWER = 8_000;

export const JUDGE_INSTRUCTIONS = [
  'You are an impartial evaluator. You are shown a request, a REFERENCE answer and a CANDIDATE answer.',
  'Decide whether the CANDIDATE is as good as the REFERENCE for the person who sent the request: the same',
  'final answer, facts and conclusions, nothing essential missing, nothing wrong added. Wording, length and',
  'style do not matter unless the rubric says so.',
  'Reply with exactly one JSON object and nothing else:',
  '{"verdict": "agree", "score": <0..1>} when the CANDIDATE is as good, or',
  '{"verdict": "disagree", "score": <0..1>} when it is not.',
  'score (optional) is your confidence that the CANDIDATE is as good.',
].join('\n');

function partText(p: ContentPart): string {
  switch (p.type) {
    case 'text':
    case 'reasoning':
      return p.text;
    case 'tool_call':
      return `[tool call ${p.name}(${p.arguments})]`;
    case 'tool_result':
      return typeof p.content === 'string'
        ? `[tool result] ${p.content}`
        : `[tool result] ${p.content.map((c) => (c.type === 'text' ? c.text : '[image]')).join(' ')}`;
    case 'image':
      return '[image]';
    default:
      return '[attachment]';
  }
}

/** The request as text for the judge: system instructions and each message, role first; the end is kept. */
export function transcriptOf(req: CanonicalRequest): string {
  const lines: string[] = [];
  const sys = req.system.map((p) => p.text).join('\n');
  if (sys) lines.push(`system: ${sys}`);
  for (const m of req.messages) lines.push(`${m.role}: ${m.content.map(partText).join('\n')}`);
  const t = lines.join('\n\n');
  return t.length > MAX_TRANSCRIPT ? `…${t.slice(t.length - MAX_TRANSCRIPT)}` : t;
}

const clip = (s: string) => (s.length > MAX_ANSWER ? `${s.slice(0, MAX_ANSWER)}…` : s);

/** The judge call, as an OpenAI Chat Completions body (the gateway translates it for any provider). */
export function judgeRequestBody(opts: {
  model: string;
  rubric?: string | undefined;
  maxTokens: number;
  request: CanonicalRequest;
  reference: string;
  candidate: string;
}): Record<string, unknown> {
  const system = opts.rubric ? `${JUDGE_INSTRUCTIONS}\n\nRubric:\n${opts.rubric}` : JUDGE_INSTRUCTIONS;
  const user = [
    '<request>',
    transcriptOf(opts.request),
    '</request>',
    '<reference_answer>',
    clip(opts.reference),
    '</reference_answer>',
    '<candidate_answer>',
    clip(opts.candidate),
    '</candidate_answer>',
  ].join('\n');
  return {
    model: opts.model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
    max_tokens: opts.maxTokens,
    temperature: 0,
  };
}

const FENCE = /^```(?:json)?\s*\n?([\s\S]*?)\n?\s*```$/;

/** Reads the judge's answer strictly; anything but the verdict object is no verdict. */
export function parseJudgeVerdict(text: string): Comparison {
  const none = (why: string): Comparison => ({ verdict: 'none', score: null, error: `judge: ${why}` });
  let t = text.trim();
  const fenced = FENCE.exec(t);
  if (fenced) t = (fenced[1] ?? '').trim();
  if (!t.startsWith('{')) return none('the answer is not a verdict object');
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return none('the answer is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return none('the answer is not a verdict object');
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'verdict' && k !== 'score');
  if (extra.length) return none(`unexpected field ${JSON.stringify(extra[0]!.slice(0, 40))}`);
  if (o.verdict !== 'agree' && o.verdict !== 'disagree') return none('verdict is not "agree" or "disagree"');
  let score: number | null = null;
  if (o.score !== undefined) {
    if (typeof o.score !== 'number' || !Number.isFinite(o.score) || o.score < 0 || o.score > 1)
      return none('score is not a number from 0 to 1');
    score = o.score;
  }
  return { verdict: o.verdict, score, error: null };
}
