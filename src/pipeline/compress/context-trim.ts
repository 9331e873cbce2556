/**
 * Context trimming for retrieval-style prompts: finds chunked context (numbered documents such as "[3]" or
 * "Document 3:", or <document>…</document> blocks), ranks the chunks against the question, and keeps the
 * most relevant ones that fit a token budget — in their original order, with their original headers, so
 * citations still point at the right source. Text before and after the chunks is never touched.
 */

export interface ChunkedText {
  /** Text before the first chunk. */
  pre: string;
  chunks: string[];
  /** Text after the last chunk (often the question). */
  post: string;
}

const NUMBERED = [
  /^\[(?:(?:doc(?:ument)?|source|chunk|passage|context|ref)\s*)?#?\d+\]/i,
  /^(?:#{1,6}\s*)?(?:doc(?:ument)?|source|chunk|passage|context|excerpt|result|snippet)\s*#?\s*\d+\s*[:.)\-–]/i,
];
const XML_OPEN = /^\s*<(document|doc|chunk|passage|source|context_item|search_result)\b[^>]*>/i;
const QUESTION_LINE =
  /^\s*(?:#{1,6}\s*)?(?:question|query|q|user question|user query|task|instruction)s?\s*[:：]/i;

/** Splits a text into pre / chunks / post; null when it does not hold at least `minChunks` chunks. */
export function detectChunks(text: string, minChunks: number): ChunkedText | null {
  const lines = text.split('\n');
  for (const re of NUMBERED) {
    const heads: number[] = [];
    lines.forEach((l, i) => {
      if (re.test(l)) heads.push(i);
    });
    if (heads.length < minChunks) continue;
    // The last chunk ends where a question line starts, else at the end of the text.
    let end = lines.length;
    for (let i = heads.at(-1)! + 1; i < lines.length; i++) {
      if (QUESTION_LINE.test(lines[i]!)) {
        end = i;
        while (end > heads.at(-1)! + 1 && lines[end - 1]!.trim() === '') end--;
        break;
      }
    }
    const bounds = [...heads, end];
    const chunks: string[] = [];
    for (let k = 0; k < heads.length; k++) chunks.push(lines.slice(bounds[k], bounds[k + 1]).join('\n'));
    return {
      pre: lines.slice(0, heads[0]).join('\n'),
      chunks,
      post: lines.slice(end).join('\n'),
    };
  }
  return detectXmlChunks(text, minChunks);
}

function detectXmlChunks(text: string, minChunks: number): ChunkedText | null {
  const chunks: string[] = [];
  let pre: string | null = null;
  let pos = 0;
  const re = /<(document|doc|chunk|passage|source|context_item|search_result)\b[^>]*>/gi;
  let lastEnd = 0;
  for (;;) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    const close = text.indexOf(`</${m[1]}>`, m.index);
    if (close < 0) return null;
    const end = close + m[1]!.length + 3;
    if (pre === null) pre = text.slice(0, m.index);
    else chunks[chunks.length - 1] += text.slice(lastEnd, m.index);
    chunks.push(text.slice(m.index, end));
    lastEnd = end;
    pos = end;
  }
  if (pre === null || chunks.length < minChunks || !XML_OPEN.test(chunks[0]!)) return null;
  return { pre, chunks, post: text.slice(lastEnd) };
}

/**
 * Keeps the best-scoring chunks within `budget` tokens (at least the best one), in original order.
 * `scores[i]` is chunk i's relevance; `tokens[i]` its size.
 */
export function selectChunks(scores: readonly number[], tokens: readonly number[], budget: number): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const keep: number[] = [];
  let used = 0;
  for (const i of order) {
    if (keep.length > 0 && used + tokens[i]! > budget) continue;
    keep.push(i);
    used += tokens[i]!;
  }
  return keep.sort((a, b) => a - b);
}

/** Rebuilds the text with only the kept chunks (one blank line between numbered chunks). */
export function rebuild(c: ChunkedText, kept: readonly number[]): string {
  const isXml = XML_OPEN.test(c.chunks[0] ?? '');
  const body = kept.map((i) => c.chunks[i]!.replace(/\s+$/, '')).join(isXml ? '\n' : '\n\n');
  if (isXml) return c.pre + body + c.post;
  return (
    (c.pre ? `${c.pre.replace(/\s+$/, '')}\n\n` : '') +
    body +
    (c.post ? `\n\n${c.post.replace(/^\s*\n/, '')}` : '')
  );
}
