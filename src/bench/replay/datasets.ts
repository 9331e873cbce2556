/**
 * Loaders for the recorded model outcomes under the datasets folder (RouteLLM's GSM8K, MMLU and
 * MT-Bench; FrugalGPT's OVERRULING). They apply RouteLLM's decontamination exactly as `baselines.py`
 * does (drop rows whose prompt is an `eval_prompt` of `contaminated_prompts.jsonl`) and price calls the
 * same way: recorded $ where the data has it, else characters / 4 as tokens at RouteLLM's blended
 * prices, computed exactly in picodollars (chars × price / 4 is an integer number of picodollars).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Money, perMillionToPerToken, usd } from '../../core/money.js';
import { parseCsvRecords } from './csv.js';

export const WEAK = 'mistralai/Mixtral-8x7B-Instruct-v0.1';
export const STRONG = 'gpt-4-1106-preview';
/** RouteLLM's blended $/1M tokens (1:1 input:output). */
export const ROUTELLM_PRICE_PER_MILLION = { [WEAK]: '0.24', [STRONG]: '24.7' } as const;

/** Price of `chars / 4` tokens, exact: price per token is a multiple of 4 picodollars for both models. */
function charsCost(chars: number, model: keyof typeof ROUTELLM_PRICE_PER_MILLION): Money {
  const perToken = perMillionToPerToken(ROUTELLM_PRICE_PER_MILLION[model]);
  return (BigInt(chars) * perToken) / 4n;
}
function tokensCost(tokens: number, model: keyof typeof ROUTELLM_PRICE_PER_MILLION): Money {
  return BigInt(tokens) * perMillionToPerToken(ROUTELLM_PRICE_PER_MILLION[model]);
}

export type TwoModelDatasetName = 'gsm8k' | 'mmlu' | 'mt_bench';

export interface TwoModelRecord {
  /** Stable id: the prompt text for GSM8K/MMLU, `q<question_id>` for MT-Bench. */
  id: string;
  prompt: string;
  /** Weak / strong quality: correctness 0/1, or MT-Bench's mean judge score over both turns. */
  w: number;
  s: number;
  costW: Money;
  costS: Money;
  /** MMLU subject or MT-Bench category. */
  group?: string;
  weakResponse?: string;
  strongResponse?: string;
}

export interface TwoModelDataset {
  name: TwoModelDatasetName;
  title: string;
  /** True when w/s are 0/1 correctness. */
  binary: boolean;
  records: TwoModelRecord[];
}

const isDatasetsDir = (d: string) =>
  existsSync(join(d, 'routellm-evals')) && existsSync(join(d, 'frugalgpt-overruling'));

/**
 * The datasets folder: `explicit` if given, else `PENNY_DATASETS` if set, else `../shared/datasets`
 * beside the repository root. Null when the chosen folder does not hold the datasets (a wrong explicit
 * path is not silently replaced by another).
 */
export function resolveDatasetsDir(explicit?: string): string | null {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const chosen = explicit || process.env.PENNY_DATASETS || join(repoRoot, '..', 'shared', 'datasets');
  return isDatasetsDir(chosen) ? chosen : null;
}

function readLines(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

function loadContaminated(path: string): Set<string> {
  return new Set(readLines(path).map((l) => (JSON.parse(l) as { eval_prompt: string }).eval_prompt));
}

export function loadGsm8k(root: string): TwoModelDataset {
  const base = join(root, 'routellm-evals', 'gsm8k');
  const cont = loadContaminated(join(base, 'contaminated_prompts.jsonl'));
  const rows = parseCsvRecords(readFileSync(join(base, 'gsm8k_responses.csv'), 'utf8')).filter(
    (r) => !cont.has(r.prompt ?? ''),
  );
  const records = rows.map((r): TwoModelRecord => {
    const prompt = r.prompt ?? '';
    const weakResponse = r[`${WEAK}_response`] ?? '';
    const strongResponse = r[`${STRONG}_response`] ?? '';
    return {
      id: prompt,
      prompt,
      w: r[WEAK] === 'True' ? 1 : 0,
      s: r[STRONG] === 'True' ? 1 : 0,
      costW: charsCost(prompt.length + weakResponse.length, WEAK),
      costS: charsCost(prompt.length + strongResponse.length, STRONG),
      weakResponse,
      strongResponse,
    };
  });
  return { name: 'gsm8k', title: 'GSM8K', binary: true, records };
}

export function loadMmlu(root: string): TwoModelDataset {
  const base = join(root, 'routellm-evals', 'mmlu');
  const cont = loadContaminated(join(base, 'contaminated_prompts.jsonl'));
  const files = readdirSync(join(base, 'responses'))
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const records: TwoModelRecord[] = [];
  for (const f of files) {
    const subject = f.replace(/^mmlu_/, '').replace(/\.csv$/, '');
    for (const r of parseCsvRecords(readFileSync(join(base, 'responses', f), 'utf8'))) {
      const prompt = r.prompt ?? '';
      if (cont.has(prompt)) continue;
      // One output token (a letter) per answer, as baselines.py assumes.
      records.push({
        id: prompt,
        prompt,
        w: r[WEAK] === 'True' ? 1 : 0,
        s: r[STRONG] === 'True' ? 1 : 0,
        costW: charsCost(prompt.length, WEAK) + tokensCost(1, WEAK),
        costS: charsCost(prompt.length, STRONG) + tokensCost(1, STRONG),
        group: subject,
      });
    }
  }
  return { name: 'mmlu', title: 'MMLU (57 subjects)', binary: true, records };
}

interface MtQuestion {
  question_id: number;
  category: string;
  turns: [string, string];
}
interface MtJudgement {
  question_id: number;
  model: string;
  turn: number;
  score: number;
  user_prompt: string;
}

/** The conversation part of a turn-2 judge prompt (both user turns and both answers). */
function conversationText(userPrompt: string): string {
  const m =
    /<\|The Start of Assistant A's Conversation with User\|>([\s\S]*?)<\|The End of Assistant A's Conversation/.exec(
      userPrompt,
    );
  return m?.[1] ?? userPrompt;
}

/**
 * MT-Bench: routing is on turn 1; quality is the mean judge score of both turns of the routed model.
 * $ is an estimate: the turn-2 conversation (both questions and both answers) as chars / 4 tokens.
 */
export function loadMtBench(root: string): TwoModelDataset {
  const base = join(root, 'routellm-evals', 'mt_bench');
  const cont = loadContaminated(join(base, 'contaminated_prompts.jsonl'));
  const qs = readLines(join(base, 'question.jsonl'))
    .map((l) => JSON.parse(l) as MtQuestion)
    .filter((q) => !cont.has(q.turns[0]) && !cont.has(q.turns[1]));
  const scores = new Map<string, number[]>();
  const convo = new Map<string, number>();
  for (const l of readLines(join(base, 'judgements.jsonl'))) {
    const j = JSON.parse(l) as MtJudgement;
    const key = `${j.question_id}|${j.model}`;
    const list = scores.get(key) ?? [];
    list.push(j.score);
    scores.set(key, list);
    if (j.turn === 2) convo.set(key, conversationText(j.user_prompt).length);
  }
  const mean = (k: string) => {
    const l = scores.get(k);
    if (!l) throw new Error(`mt_bench: no judgement for ${k}`);
    return l.reduce((a, b) => a + b, 0) / 2;
  };
  const records = qs.map((q): TwoModelRecord => {
    const fallback = q.turns[0].length + q.turns[1].length;
    return {
      id: `q${q.question_id}`,
      prompt: q.turns[0],
      w: mean(`${q.question_id}|${WEAK}`),
      s: mean(`${q.question_id}|${STRONG}`),
      costW: charsCost(convo.get(`${q.question_id}|${WEAK}`) ?? fallback, WEAK),
      costS: charsCost(convo.get(`${q.question_id}|${STRONG}`) ?? fallback, STRONG),
      group: q.category,
    };
  });
  return { name: 'mt_bench', title: 'MT Bench', binary: false, records };
}

// ---------------------------------------------------------------------------------------------------

export interface OverrulingRecord {
  id: string;
  /** The new context + question only (no few-shot prefix): the router's view of the request. */
  content: string;
  ref: string;
  answers: Record<string, string>;
  correct: Record<string, boolean>;
  cost: Record<string, Money>;
}

export interface OverrulingDataset {
  models: string[];
  records: OverrulingRecord[];
}

export function loadOverruling(root: string): OverrulingDataset {
  const rows = parseCsvRecords(readFileSync(join(root, 'frugalgpt-overruling', 'overruling.csv'), 'utf8'));
  const first = rows[0];
  if (!first) return { models: [], records: [] };
  const models = Object.keys(first)
    .filter((k) => k.endsWith('_cost'))
    .map((k) => k.slice(0, -5));
  const records = rows.map((r, i): OverrulingRecord => {
    const answers: Record<string, string> = {};
    const correct: Record<string, boolean> = {};
    const cost: Record<string, Money> = {};
    for (const m of models) {
      answers[m] = r[`${m}_answer`] ?? '';
      correct[m] = r[m] === '1';
      cost[m] = usd(r[`${m}_cost`] ?? '0');
    }
    return {
      id: r[''] ?? String(i),
      content: r.content ?? '',
      ref: r.ref_answer ?? '',
      answers,
      correct,
      cost,
    };
  });
  return { models, records };
}
