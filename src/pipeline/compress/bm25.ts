/**
 * Okapi BM25 relevance of documents to a query, over the same stemmed content words the semantic cache uses
 * (stop words removed, synonyms folded). Small and exact enough to rank the chunks of one prompt.
 */
import { contentTokens } from '../cache/semantic/text-normalize.js';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

/** Scores of each document for the query, in document order. */
export function bm25Scores(query: string, docs: readonly string[], opts: Bm25Options = {}): number[] {
  const k1 = opts.k1 ?? 1.2;
  const b = opts.b ?? 0.75;
  const docTokens = docs.map((d) => contentTokens(d));
  const n = docs.length;
  const avgLen = docTokens.reduce((a, t) => a + t.length, 0) / Math.max(1, n);
  const df = new Map<string, number>();
  for (const toks of docTokens) for (const t of new Set(toks)) df.set(t, (df.get(t) ?? 0) + 1);
  const terms = [...new Set(contentTokens(query))];
  return docTokens.map((toks) => {
    const tf = new Map<string, number>();
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    let score = 0;
    for (const term of terms) {
      const f = tf.get(term);
      if (!f) continue;
      const d = df.get(term) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      score += (idf * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * toks.length) / Math.max(1, avgLen)));
    }
    return score;
  });
}
