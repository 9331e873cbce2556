/**
 * Detects, as a streamed answer grows, the point where it is complete by a feature's rule: a closing marker,
 * N sentences, N list items, or one complete JSON value. Work is incremental (each character is looked at
 * once), so a long answer costs linear time. A sentence ends at . ! or ? followed by white space — so "3.5",
 * "e.g." and "1." list numbers do not count — and is only known complete when that white space arrives.
 */

export interface StopRule {
  marker?: string;
  /** Keep the marker itself in the answer (default true). */
  includeMarker?: boolean;
  sentences?: number;
  items?: number;
  json?: boolean;
}

export interface StopPoint {
  /** Length of the answer to keep. */
  at: number;
  reason: 'marker' | 'sentences' | 'items' | 'json';
}

const ABBREVIATIONS = new Set([
  'e.g',
  'i.e',
  'etc',
  'vs',
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'no',
  'fig',
]);
const CLOSERS = new Set(['"', "'", ')', ']', '”', '’', '*', '_']);
const ITEM = /^(?:[-*•+]|\d{1,3}[.)])\s/;

export class StopDetector {
  private scanned = 0;
  private sentences = 0;
  /** Index just past a terminator (and closers) awaiting the white space that confirms it. */
  private pendingEnd = -1;
  private items = 0;
  private lineStart = 0;
  private lineChecked = false;
  private jsonDepth = 0;
  private jsonStarted = false;
  private inString = false;
  private escaped = false;

  constructor(private readonly rule: StopRule) {}

  /** Feeds the whole answer so far (it only grows); returns where to cut, or null. */
  check(text: string): StopPoint | null {
    const r = this.rule;
    if (r.marker !== undefined) {
      const from = Math.max(0, this.scanned - r.marker.length + 1);
      const i = text.indexOf(r.marker, from);
      if (i >= 0) {
        this.scanned = text.length;
        return { at: r.includeMarker === false ? i : i + r.marker.length, reason: 'marker' };
      }
    }
    for (let i = this.scanned; i < text.length; i++) {
      const ch = text[i]!;
      if (r.json === true) {
        const end = this.json(ch);
        if (end) {
          this.scanned = i + 1;
          return { at: i + 1, reason: 'json' };
        }
      }
      if (r.sentences !== undefined) {
        if (this.pendingEnd >= 0) {
          if (CLOSERS.has(ch) && i === this.pendingEnd) this.pendingEnd = i + 1;
          else if (/\s/.test(ch)) {
            const end = this.pendingEnd;
            this.pendingEnd = -1;
            if (++this.sentences >= r.sentences) {
              this.scanned = i + 1;
              return { at: end, reason: 'sentences' };
            }
          } else this.pendingEnd = -1;
        }
        if ((ch === '.' || ch === '!' || ch === '?') && this.endsSentence(text, i)) this.pendingEnd = i + 1;
      }
      if (r.items !== undefined) {
        if (ch === '\n') {
          this.lineStart = i + 1;
          this.lineChecked = false;
        } else if (!this.lineChecked && i - this.lineStart >= 1) {
          const head = text.slice(this.lineStart, i + 1);
          if (ITEM.test(head)) {
            this.lineChecked = true;
            if (++this.items > r.items) {
              this.scanned = i + 1;
              return { at: trimEndIndex(text, this.lineStart), reason: 'items' };
            }
          } else if (head.length >= 5 || !/^[-*•+\d]/.test(head)) this.lineChecked = true;
        }
      }
    }
    this.scanned = text.length;
    return null;
  }

  private endsSentence(text: string, i: number): boolean {
    if (text[i] !== '.') return true;
    let j = i - 1;
    while (j >= 0 && /[A-Za-z.]/.test(text[j]!)) j--;
    const word = text.slice(j + 1, i).toLowerCase();
    if (ABBREVIATIONS.has(word) || /^[a-z]$/.test(word)) return false;
    // "1." opening a numbered list line is not a sentence end.
    const lineStart = text.lastIndexOf('\n', i - 1) + 1;
    return !/^\s*\d+$/.test(text.slice(lineStart, i));
  }

  private json(ch: string): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
      return false;
    }
    if (ch === '{' || ch === '[') {
      this.jsonDepth++;
      this.jsonStarted = true;
    } else if (!this.jsonStarted) return false;
    else if (ch === '"') this.inString = true;
    else if (ch === '}' || ch === ']') {
      this.jsonDepth--;
      if (this.jsonDepth === 0) return true;
    }
    return false;
  }
}

function trimEndIndex(text: string, end: number): number {
  let i = end;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  return i;
}
