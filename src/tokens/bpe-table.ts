/**
 * A BPE rank table in four typed arrays instead of gpt-tokenizer's maps. gpt-tokenizer keeps o200k_base as
 * an array of 200,000 strings and byte arrays, a `Map<string, rank>` over it and a sorted array of
 * `[Uint8Array, rank]` pairs: ~14 MB live in the token-estimate worker, plus ~15 MB of construction garbage
 * (BENCHMARKS.md, issue 14, Memory). Here every token's bytes sit in one buffer, found through an
 * open-addressing hash of their bytes: ~4 MB for o200k_base, built straight from the package's `.tiktoken`
 * data file (one "base64-bytes rank" line per token) with no per-token object.
 *
 * A token is also marked as gpt-tokenizer classes it — text (its bytes are valid UTF-8 and do not begin with
 * a byte-order mark) or bytes — because its lookups depend on it (bpe-count.ts).
 */

/** What a missing token's rank compares as: above every real rank. */
export const NO_RANK = 0x7fffffff;

/** The three bytes of U+FEFF, the byte-order mark. */
export function startsWithBom(b: Uint8Array, start: number, end: number): boolean {
  return end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf;
}

/**
 * Whether `b[start, end)` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF):
 * gpt-tokenizer's `isValidUTF8`, which decides whether it looks bytes up as text.
 */
export function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b1 = b[i]!;
    if (b1 < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let cp: number;
    if ((b1 & 0xe0) === 0xc0) {
      if (b1 <= 0xc1) return false;
      n = 2;
      cp = b1 & 0x1f;
    } else if ((b1 & 0xf0) === 0xe0) {
      n = 3;
      cp = b1 & 0x0f;
    } else if ((b1 & 0xf8) === 0xf0) {
      if (b1 > 0xf4) return false;
      n = 4;
      cp = b1 & 0x07;
    } else return false;
    if (i + n > end) return false;
    for (let j = 1; j < n; j++) {
      const c = b[i + j]!;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if ((n === 3 && cp < 0x800) || (n === 4 && cp < 0x10000)) return false;
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return false;
    i += n;
  }
  return true;
}

/** FNV-1a over `b[start, end)`. */
function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

const BASE64 = (() => {
  const t = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
})();

export class BpeTable {
  /** Every token's bytes, back to back, in file order. */
  private readonly bytes: Uint8Array;
  /** Token i's bytes are `bytes[offsets[i], offsets[i + 1])`. */
  private readonly offsets: Uint32Array;
  private readonly ranks: Int32Array;
  /** 1 when gpt-tokenizer holds token i as text, 0 as bytes. */
  private readonly text: Uint8Array;
  /** Open addressing, linear probing: token index + 1, 0 for an empty slot. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** Reads a `.tiktoken` file; `source` names it in errors. */
  constructor(data: Uint8Array, source = 'rank table') {
    // First pass: lines, and the bytes their base64 decodes to, so each array is allocated once, exact.
    let lines = 0;
    let size = 0;
    let digits = 0;
    let inBase64 = true;
    for (let i = 0; i < data.length; i++) {
      const c = data[i]!;
      if (c === 0x0a) {
        lines++;
        size += (digits * 6) >> 3;
        digits = 0;
        inBase64 = true;
      } else if (inBase64) {
        if (c === 0x20) inBase64 = false;
        else if (c !== 0x3d) digits++;
      }
    }
    if (data.length > 0 && data[data.length - 1] !== 0x0a) {
      lines++;
      size += (digits * 6) >> 3;
    }
    const bytes = new Uint8Array(size);
    const offsets = new Uint32Array(lines + 1);
    const ranks = new Int32Array(lines);
    let n = 0;
    let out = 0;
    let line = 1;
    for (let i = 0; i < data.length; line++) {
      let end = data.indexOf(0x0a, i);
      if (end < 0) end = data.length;
      if (end === i) {
        if (end === data.length - 1) break; // trailing empty line
        throw new Error(`${source}: line ${line} is empty`);
      }
      const sp = data.indexOf(0x20, i);
      if (sp < 0 || sp >= end) throw new Error(`${source}: line ${line} is not "<base64> <rank>"`);
      offsets[n] = out;
      out = decodeBase64(data, i, sp, bytes, out, source, line);
      ranks[n] = parseRank(data, sp + 1, end, source, line);
      n++;
      i = end + 1;
    }
    offsets[n] = out;
    this.bytes = out === size ? bytes : bytes.slice(0, out);
    this.offsets = n === lines ? offsets : offsets.slice(0, n + 1);
    this.ranks = n === lines ? ranks : ranks.slice(0, n);
    this.text = new Uint8Array(n);
    let slots = 1;
    while (slots < n * 2) slots <<= 1;
    this.slots = new Int32Array(slots);
    this.mask = slots - 1;
    for (let t = 0; t < n; t++) {
      const s = this.offsets[t]!;
      const e = this.offsets[t + 1]!;
      this.text[t] = validUtf8(this.bytes, s, e) && !startsWithBom(this.bytes, s, e) ? 1 : 0;
      if (this.find(this.bytes, s, e) >= 0) throw new Error(`${source}: token ${t + 1} appears twice`);
      let slot = hashBytes(this.bytes, s, e) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = t + 1;
    }
  }

  /** Number of tokens. */
  get size(): number {
    return this.ranks.length;
  }

  /** Bytes the table holds, for the memory it costs. */
  get byteLength(): number {
    return (
      this.bytes.byteLength +
      this.offsets.byteLength +
      this.ranks.byteLength +
      this.text.byteLength +
      this.slots.byteLength
    );
  }

  /** The index of the token whose bytes are `b[start, end)`, or -1. */
  find(b: Uint8Array, start: number, end: number): number {
    const len = end - start;
    let slot = hashBytes(b, start, end) & this.mask;
    for (;;) {
      const t = this.slots[slot]! - 1;
      if (t < 0) return -1;
      const s = this.offsets[t]!;
      if (this.offsets[t + 1]! - s === len) {
        let k = 0;
        while (k < len && this.bytes[s + k] === b[start + k]) k++;
        if (k === len) return t;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  rank(token: number): number {
    return this.ranks[token]!;
  }

  /** Whether gpt-tokenizer holds the token as text (see the file comment). */
  isText(token: number): boolean {
    return this.text[token] === 1;
  }
}

/** Decodes base64 `data[start, end)` into `out` at `at`; returns the end of what it wrote. */
function decodeBase64(
  data: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  source: string,
  line: number,
): number {
  const from = at;
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = data[i]!;
    if (c === 0x3d) break; // '=' padding
    const v = BASE64[c]!;
    if (v < 0) throw new Error(`${source}: line ${line} is not base64`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  if (at === from || bits >= 6) throw new Error(`${source}: line ${line} is not base64`);
  return at;
}

function parseRank(data: Uint8Array, start: number, end: number, source: string, line: number): number {
  let v = 0;
  if (end <= start || end - start > 9) throw new Error(`${source}: line ${line} has no valid rank`);
  for (let i = start; i < end; i++) {
    const d = data[i]! - 0x30;
    if (d < 0 || d > 9) throw new Error(`${source}: line ${line} has no valid rank`);
    v = v * 10 + d;
  }
  return v;
}
