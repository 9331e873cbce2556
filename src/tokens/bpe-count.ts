/**
 * Counts BPE tokens of text over a compact rank table (bpe-table.ts), giving exactly the count of
 * gpt-tokenizer's `countTokens` with no special tokens allowed — the counts price aborted streams, so they
 * must not move by one token. The text is split with gpt-tokenizer's own split regex; a piece that is a token
 * counts 1, any other is merged pair by pair, lowest rank first (the same algorithm, the same ties).
 *
 * Two of gpt-tokenizer's lookups are reproduced as they are, not as tiktoken would do them, because the
 * counts must be its counts: a whole piece is looked up as a string (so a piece with a lone surrogate, which
 * encodes as U+FFFD, is never a token whole, and neither is a token that begins with a byte-order mark);
 * and a merged pair that is valid UTF-8 is decoded first, which drops a leading byte-order mark.
 * `bpe-count.test.ts` compares the counts with gpt-tokenizer's over a corpus with those cases.
 */
import { type BpeTable, NO_RANK, startsWithBom, validUtf8 } from './bpe-table.js';

const utf8 = new TextEncoder();

/** No lone surrogate (`String.prototype.isWellFormed`, which ES2023's typings lack). */
function wellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}

export class BpeCounter {
  private readonly split: RegExp;
  /** The piece's UTF-8 bytes, then the merge's part boundaries and pair ranks; grown on demand. */
  private buf = new Uint8Array(256);
  private starts = new Int32Array(257);
  private pairRanks = new Int32Array(257);

  constructor(
    private readonly table: BpeTable,
    splitRegex: RegExp,
  ) {
    this.split = new RegExp(
      splitRegex.source,
      splitRegex.flags.includes('g') ? splitRegex.flags : `${splitRegex.flags}g`,
    );
  }

  /**
   * Where `countFrom` stopped: the position to count on from, or -1 when it reached the end of the text.
   */
  resume = -1;

  count(text: string): number {
    return this.countFrom(text, 0, Number.POSITIVE_INFINITY);
  }

  /**
   * Tokens of the pieces of `text` from `from` on, stopping at the first piece that starts at or past
   * `from + chars` (then `resume` is where it starts; -1 at the end). Counting on from `resume` gives the
   * pieces, and so the tokens, of one `count`: a slice of a long text at a time (tokens/estimate-tokens.ts).
   */
  countFrom(text: string, from: number, chars: number): number {
    const re = this.split;
    const stop = from + chars;
    re.lastIndex = from;
    let n = 0;
    while (re.lastIndex < stop) {
      const m = re.exec(text);
      if (m === null) {
        this.resume = -1;
        return n;
      }
      const piece = m[0];
      if (piece.length === 0) {
        re.lastIndex++; // the split patterns never match empty; never loop if one did
        continue;
      }
      n += this.countPiece(piece);
    }
    this.resume = re.lastIndex < text.length ? re.lastIndex : -1;
    return n;
  }

  private countPiece(piece: string): number {
    if (piece.length === 1 && piece.charCodeAt(0) < 0x80) return 1; // every ASCII byte is a token
    if (this.buf.length < piece.length * 3) this.grow(piece.length * 3);
    const len = utf8.encodeInto(piece, this.buf).written;
    const whole = this.table.find(this.buf, 0, len);
    if (whole >= 0 && this.table.isText(whole) && (len === piece.length || wellFormed(piece))) return 1;
    return this.merge(len);
  }

  /** Parts left after merging `buf[0, len)` pair by pair, lowest rank first (gpt-tokenizer's bytePairMerge). */
  private merge(len: number): number {
    const starts = this.starts;
    const ranks = this.pairRanks;
    // starts[i] is where part i begins; ranks[i] the rank of parts i and i+1 together (NO_RANK if none).
    for (let i = 0; i <= len; i++) {
      starts[i] = i;
      ranks[i] = i < len - 1 ? this.rankOf(i, i + 2) : NO_RANK;
    }
    let m = len + 1; // entries in starts and ranks
    while (m > 1) {
      let lowest = NO_RANK;
      let at = -1;
      for (let i = 0; i < m - 1; i++) {
        if (ranks[i]! < lowest) {
          lowest = ranks[i]!;
          at = i;
        }
      }
      if (at < 0) break;
      starts.copyWithin(at + 1, at + 2, m);
      ranks.copyWithin(at, at + 1, m);
      m--;
      ranks[at] = at + 2 < m ? this.rankOf(starts[at]!, starts[at + 2]!) : NO_RANK;
      if (at > 0) ranks[at - 1] = at + 1 < m ? this.rankOf(starts[at - 1]!, starts[at + 1]!) : NO_RANK;
    }
    return m - 1;
  }

  /** The rank gpt-tokenizer finds for `buf[start, end)` while merging (see the file comment). */
  private rankOf(start: number, end: number): number {
    const b = this.buf;
    if (startsWithBom(b, start, end) && validUtf8(b, start, end)) {
      // Decoded as text, the byte-order mark is dropped: it looks up the rest, among text tokens.
      if (end - start === 3) return NO_RANK;
      const t = this.table.find(b, start + 3, end);
      return t >= 0 && this.table.isText(t) ? this.table.rank(t) : NO_RANK;
    }
    const t = this.table.find(b, start, end);
    return t >= 0 ? this.table.rank(t) : NO_RANK;
  }

  private grow(bytes: number): void {
    this.buf = new Uint8Array(bytes);
    this.starts = new Int32Array(bytes + 1);
    this.pairRanks = new Int32Array(bytes + 1);
  }
}
