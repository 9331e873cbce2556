/**
 * Router training data from shadow-evaluation verdicts: for a request a route or cascade served on a
 * cheaper model, the shadow loop (src/quality) also ran the request as the client sent it and compared the
 * two answers. `agree` means the cheaper model was enough (label 0), `disagree` that this prompt needed the
 * model the client asked for (label 1); `none` (no verdict: the shadow call failed, the judge answered
 * garbage) teaches nothing and is skipped. The prompt comes from the body store (`storePrompts`), joined
 * through the ledger entry's `meta.bodyHash`; or, for verdicts gathered elsewhere, from a JSONL file of
 * `{"prompt", "model"?, "verdict"}` lines.
 */
import { z } from 'zod';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { TrainExample } from './classifier.js';
import { lastUserText } from './rules.js';

/** Tactics whose verdict says whether the cheaper model was enough for the prompt. */
export const MODEL_TACTICS = ['route', 'cascade'] as const;

export function verdictLabel(verdict: string): number | null {
  if (verdict === 'agree') return 0;
  if (verdict === 'disagree') return 1;
  return null;
}

export interface VerdictLike {
  requestId: string;
  tactic: string;
  verdict: string;
}

export interface VerdictExamples {
  examples: (TrainExample & { requestId: string })[];
  /** Verdicts of a model-changing tactic (agree or disagree). */
  verdicts: number;
  /** Of those, whose request has no stored prompt (or no ledger entry). */
  withoutPrompt: number;
}

export function examplesFromVerdicts(
  evaluations: readonly VerdictLike[],
  entryById: (id: string) => Pick<LedgerEntry, 'meta'> | undefined,
  requestFor: (bodyHash: string) => CanonicalRequest | undefined,
): VerdictExamples {
  const out: VerdictExamples = { examples: [], verdicts: 0, withoutPrompt: 0 };
  const seen = new Set<string>();
  for (const ev of evaluations) {
    if (!(MODEL_TACTICS as readonly string[]).includes(ev.tactic)) continue;
    const label = verdictLabel(ev.verdict);
    if (label === null || seen.has(ev.requestId)) continue;
    seen.add(ev.requestId);
    out.verdicts++;
    const hash = entryById(ev.requestId)?.meta?.bodyHash;
    const req = typeof hash === 'string' ? requestFor(hash) : undefined;
    const text = req ? lastUserText(req) : '';
    if (!text) {
      out.withoutPrompt++;
      continue;
    }
    out.examples.push({ text, label, requestId: ev.requestId });
  }
  return out;
}

const verdictLine = z.strictObject({
  prompt: z.string().min(1),
  /** The model whose answer was judged (informational). */
  model: z.string().min(1).optional(),
  verdict: z.enum(['agree', 'disagree', 'none']),
});

/** Parses a verdict JSONL file; errors name the line and the field. `none` lines are counted, not used. */
export function parseVerdictJsonl(text: string, file: string): { examples: TrainExample[]; skipped: number } {
  const examples: TrainExample[] = [];
  let skipped = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new TypeError(`${file}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const r = verdictLine.safeParse(json);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new TypeError(`${file}:${i + 1}: ${issue.path.join('.') || '(line)'}: ${issue.message}`);
    }
    const label = verdictLabel(r.data.verdict);
    if (label === null) skipped++;
    else examples.push({ text: r.data.prompt, label });
  });
  return { examples, skipped };
}
