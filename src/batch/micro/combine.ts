/**
 * The combined request of a micro-batch and the reading of its answer. The shared system prompt is sent
 * once; the items go as a JSON array with ids in one user message that asks for one answer per id:
 *   {"answers":[{"id":"1","answer":"…"},{"id":"2","answer":"…"}]}
 * `readAnswers` accepts that object alone or inside a code fence or prose, and says which ids are missing
 * or answered twice — those items are sent again on their own.
 */
import type { CanonicalRequest } from '../../core/request.js';

export const BATCH_INSTRUCTION =
  'Several independent items follow as a JSON array. Answer each item on its own, exactly as you would answer it if it were the only message, following the instructions above. Reply with only this JSON object and nothing else: {"answers":[{"id":"<the item id>","answer":"<your answer to that item, as text>"}]} with exactly one answer per item id.';

export interface BatchItem {
  id: string;
  text: string;
}

/** The JSON of one item as it appears in the array (its token share is counted on this). */
export function itemJson(item: BatchItem): string {
  return JSON.stringify({ id: item.id, text: item.text });
}

/** The combined request: the template's system prompt and parameters, the items as one user message. */
export function combineRequest(template: CanonicalRequest, items: readonly BatchItem[]): CanonicalRequest {
  const text = `${BATCH_INSTRUCTION}\nItems:\n[${items.map(itemJson).join(',\n')}]`;
  const { maxTokens: _m, messages: _x, stream: _s, streamUsage: _u, n: _n, user: _user, ...rest } = template;
  const req: CanonicalRequest = {
    ...rest,
    messages: [{ role: 'user', content: [{ type: 'text', text }], contentWasString: true }],
    stream: false,
  };
  return req;
}

/** Output room for the combined answer: every item's own limit plus the JSON around it, when all have one. */
export function combinedMaxTokens(limits: ReadonlyArray<number | undefined>): number | undefined {
  let sum = 16;
  for (const l of limits) {
    if (l === undefined) return undefined;
    sum += l + 16;
  }
  return sum;
}

export interface ReadAnswers {
  /** id → answer text, for ids answered exactly once. */
  answers: Map<string, string>;
  /** Why the rest are not answered: id → `missing` | `duplicate`; every id when the answer did not parse. */
  failed: Map<string, 'missing' | 'duplicate' | 'unparseable'>;
}

export function readAnswers(text: string, ids: readonly string[]): ReadAnswers {
  const answers = new Map<string, string>();
  const failed = new Map<string, 'missing' | 'duplicate' | 'unparseable'>();
  const list = parseList(text);
  if (!list) {
    for (const id of ids) failed.set(id, 'unparseable');
    return { answers, failed };
  }
  const wanted = new Set(ids);
  const seen = new Map<string, number>();
  for (const a of list) {
    if (a === null || typeof a !== 'object') continue;
    const { id, answer } = a as { id?: unknown; answer?: unknown };
    const key = typeof id === 'number' ? String(id) : id;
    if (typeof key !== 'string' || !wanted.has(key)) continue;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (answer === undefined || answer === null) continue;
    answers.set(key, typeof answer === 'string' ? answer : JSON.stringify(answer));
  }
  for (const id of ids) {
    const n = seen.get(id) ?? 0;
    if (n > 1) {
      answers.delete(id);
      failed.set(id, 'duplicate');
    } else if (!answers.has(id)) failed.set(id, 'missing');
  }
  return { answers, failed };
}

function parseList(text: string): unknown[] | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    const v: unknown = JSON.parse(text.slice(start, end + 1));
    const list = (v as { answers?: unknown } | null)?.answers;
    return Array.isArray(list) ? list : null;
  } catch {
    return null;
  }
}
