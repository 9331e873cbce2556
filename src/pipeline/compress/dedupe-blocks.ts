/**
 * Removes exact repeats of a paragraph within one prompt: the second and later copies of a block (blank-line
 * separated, compared after trimming) go, the first stays where it was. Short blocks (headings, "Answer:",
 * separators) repeat for a reason and are below the minimum size; fenced code blocks are never removed.
 * Only later copies are removed, so a prompt's prefix is the same however many turns follow it.
 */

export interface DedupeState {
  seen: Set<string>;
  minChars: number;
}

export function newDedupeState(minChars: number): DedupeState {
  return { seen: new Set(), minChars };
}

interface Block {
  /** First line index. */
  start: number;
  /** One past the last line index. */
  end: number;
  fenced: boolean;
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

/** Paragraphs as line ranges; a fenced code block is kept whole (blank lines inside it included). */
export function paragraphBlocks(lines: readonly string[]): Block[] {
  const blocks: Block[] = [];
  let start = -1;
  let fenced = false;
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = FENCE.exec(line);
    if (fence !== null) {
      if (m && m[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (m) {
      fence = m[1]!;
      fenced = true;
      if (start < 0) start = i;
      continue;
    }
    if (line.trim() === '') {
      if (start >= 0) blocks.push({ start, end: i, fenced });
      start = -1;
      fenced = false;
    } else if (start < 0) start = i;
  }
  if (start >= 0) blocks.push({ start, end: lines.length, fenced: fenced || fence !== null });
  return blocks;
}

/**
 * Removes blocks already seen in this prompt (the state carries over from text to text, in prompt order).
 * Returns the same string when nothing was removed.
 */
export function dedupeBlocks(text: string, state: DedupeState): string {
  if (text.length < state.minChars) return text;
  const lines = text.split('\n');
  const drop = new Set<number>();
  let previousEnd = 0;
  let keptAny = false;
  for (const b of paragraphBlocks(lines)) {
    const key = lines.slice(b.start, b.end).join('\n').trim();
    if (!b.fenced && key.length >= state.minChars && state.seen.has(key)) {
      // Remove the block and the blank lines before it (after it, when nothing was kept before it).
      const from = keptAny ? previousEnd : b.start;
      for (let i = from; i < b.end; i++) drop.add(i);
      if (!keptAny) {
        let j = b.end;
        while (j < lines.length && lines[j]!.trim() === '') drop.add(j++);
      }
      continue;
    }
    if (!b.fenced && key.length >= state.minChars) state.seen.add(key);
    keptAny = true;
    previousEnd = b.end;
  }
  if (drop.size === 0) return text;
  return lines.filter((_, i) => !drop.has(i)).join('\n');
}
