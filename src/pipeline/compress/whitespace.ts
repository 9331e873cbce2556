/**
 * Lossless whitespace normalisation: trailing spaces, runs of blank lines, and runs of spaces inside a line
 * become one. Conservative on purpose: fenced code blocks, indented code, lines with inline code and blocks
 * of column-aligned lines (plain-text tables, where a run of spaces separates cells) are left exactly as
 * they are, and leading indentation is never touched. Every non-whitespace character stays, in order.
 */

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const INTERIOR_RUN = / {2,}/g;

function isAlignedLine(line: string): boolean {
  const body = line.replace(/^\s+/, '');
  return / {2,}\S/.test(body);
}

/** Normalises one text; returns it unchanged (same string) when there is nothing to do. */
export function normalizeWhitespace(text: string): string {
  if (!/[ \t]\n|\n[ \t]*\n[ \t]*\n| {2}|[ \t]$|\r\n|^\s*\n/.test(text)) return text;
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  let blank = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = FENCE.exec(line);
    if (fence !== null) {
      out.push(line);
      if (m && m[1]!.startsWith(fence) && line.trim() === m[1]) fence = null;
      continue;
    }
    if (m) {
      fence = m[1]!;
      flushBlank();
      out.push(line.replace(/[ \t]+$/, ''));
      continue;
    }
    if (line.trim() === '') {
      blank++;
      continue;
    }
    flushBlank();
    if (/^( {4}|\t)/.test(line) || line.includes('`')) {
      out.push(line.replace(/[ \t]+$/, ''));
      continue;
    }
    const trimmed = line.replace(/[ \t]+$/, '');
    const aligned =
      isAlignedLine(trimmed) &&
      ((i > 0 && isAlignedLine(lines[i - 1]!)) || (i + 1 < lines.length && isAlignedLine(lines[i + 1]!)));
    if (aligned) {
      out.push(trimmed);
      continue;
    }
    const indent = /^[ \t]*/.exec(trimmed)![0];
    out.push(indent + trimmed.slice(indent.length).replace(INTERIOR_RUN, ' '));
  }
  // Blank lines at the very end are dropped; at the start they were never emitted.
  return out.join('\n');

  function flushBlank(): void {
    if (blank > 0 && out.length > 0) out.push('');
    blank = 0;
  }
}
