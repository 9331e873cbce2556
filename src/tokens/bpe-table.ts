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

/** A built table's arrays (see BpeTable). */
export interface BpeParts {
  bytes: Uint8Array;
  offsets: Uint32Array;
  ranks: Int32Array;
  text: Uint8Array;
  slots: Int32Array;
}

/**
 * Where a builder reads its `.tiktoken` bytes: `size` of them, `read(position)` giving a view of the next ones
 * from `position` (at least one line's worth, unless the data ends first). A file is read a chunk at a time
 * (tokens/encoders.ts), so the 3.6 MB of o200k_base never sit in memory whole, waiting for a GC to free them.
 */
export interface BpeSource {
  readonly size: number;
  read(position: number): Uint8Array;
  /** Called once the builder is done with the source (built or failed). */
  close?(): void;
}

/** Bytes already in memory as a source. */
export function bytesSource(data: Uint8Array): BpeSource {
  return { size: data.length, read: (position) => data.subarray(position) };
}

/**
 * Builds a BpeTable from a `.tiktoken` file a bounded amount of work at a time, so a thread that serves
 * requests can build one between them (tokens/estimate-tokens.ts): `step(units)` does about `units` lines'
 * worth of work — ~4,000 lines take ~1–2 ms here; o200k_base has 200,000 — and returns true once the table is
 * built (`table()`). The three passes: count the lines and the bytes their base64 decodes to (so each array is
 * allocated once, exact), decode the lines, index the tokens.
 */
export class BpeTableBuilder {
  readonly #src: BpeSource;
  readonly #source: string;
  #pass: 'scan' | 'decode' | 'index' | 'done' = 'scan';
  /** scan: the next byte; decode: the next line's first byte; index: the next token. */
  #at = 0;
  #lines = 0;
  #size = 0;
  #digits = 0;
  #inBase64 = true;
  /** decode: tokens and bytes decoded so far, and the file's line number. */
  #n = 0;
  #out = 0;
  #line = 1;
  #parts: BpeParts | null = null;
  #mask = 0;
  #table: BpeTable | null = null;

  /** From a source, or bytes in memory; `source` names it in errors. */
  constructor(from: BpeSource | Uint8Array, source = 'rank table') {
    this.#src = from instanceof Uint8Array ? bytesSource(from) : from;
    this.#source = source;
  }

  /** Does about `units` lines' worth of work; true once the table is built. A malformed file throws. */
  step(units: number): boolean {
    let budget = units;
    try {
      while (budget > 0 && this.#pass !== 'done') {
        if (this.#pass === 'scan') budget -= this.#scan(budget);
        else if (this.#pass === 'decode') budget -= this.#decode(budget);
        else budget -= this.#index(budget);
      }
    } catch (e) {
      this.#src.close?.();
      throw e;
    }
    return this.#pass === 'done';
  }

  /** The table, once `step` has returned true. */
  table(): BpeTable {
    if (this.#table === null) throw new Error(`${this.#source}: the table is not built yet`);
    return this.#table;
  }

  /** First pass over ~20 bytes (a line's worth) per unit: lines, and the bytes their base64 decodes to. */
  #scan(units: number): number {
    const total = this.#src.size;
    const stop = Math.min(total, this.#at + units * 20);
    let lines = this.#lines;
    let size = this.#size;
    let digits = this.#digits;
    let inBase64 = this.#inBase64;
    let last = -1;
    const from = this.#at;
    while (this.#at < stop) {
      const data = this.#src.read(this.#at);
      const end = Math.min(data.length, stop - this.#at);
      if (end === 0) throw new Error(`${this.#source}: ends before its ${total} bytes`);
      for (let i = 0; i < end; i++) {
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
      last = data[end - 1]!;
      this.#at += end;
    }
    if (this.#at === total) {
      if (total > 0 && last !== 0x0a) {
        lines++;
        size += (digits * 6) >> 3;
      }
      this.#parts = {
        bytes: new Uint8Array(size),
        offsets: new Uint32Array(lines + 1),
        ranks: new Int32Array(lines),
        text: new Uint8Array(0),
        slots: new Int32Array(0),
      };
      this.#pass = 'decode';
      this.#at = 0;
    }
    this.#lines = lines;
    this.#size = size;
    this.#digits = digits;
    this.#inBase64 = inBase64;
    return Math.max(1, Math.ceil((stop - from) / 20));
  }

  /** Second pass, a line per unit: each token's bytes and rank. */
  #decode(units: number): number {
    const source = this.#source;
    const total = this.#src.size;
    const p = this.#parts as BpeParts;
    let done = 0;
    while (done < units && this.#at < total) {
      const data = this.#src.read(this.#at);
      let i = 0;
      while (done < units && i < data.length) {
        let end = data.indexOf(0x0a, i);
        if (end < 0) {
          if (this.#at + data.length < total) break; // the line goes on past this view: read from its start
          end = data.length;
        }
        if (end === i) {
          if (this.#at + end === total - 1) {
            i = end + 1; // trailing empty line
            break;
          }
          throw new Error(`${source}: line ${this.#line} is empty`);
        }
        const sp = data.indexOf(0x20, i);
        if (sp < 0 || sp >= end) throw new Error(`${source}: line ${this.#line} is not "<base64> <rank>"`);
        p.offsets[this.#n] = this.#out;
        this.#out = decodeBase64(data, i, sp, p.bytes, this.#out, source, this.#line);
        p.ranks[this.#n] = parseRank(data, sp + 1, end, source, this.#line);
        this.#n++;
        this.#line++;
        done++;
        i = end + 1;
      }
      if (i === 0) throw new Error(`${source}: line ${this.#line} is longer than a read`);
      this.#at += Math.min(i, data.length);
    }
    if (this.#at >= total) {
      const n = this.#n;
      p.offsets[n] = this.#out;
      if (this.#out !== p.bytes.length) p.bytes = p.bytes.slice(0, this.#out);
      if (n !== this.#lines) {
        p.offsets = p.offsets.slice(0, n + 1);
        p.ranks = p.ranks.slice(0, n);
      }
      p.text = new Uint8Array(n);
      let slots = 1;
      while (slots < n * 2) slots <<= 1;
      p.slots = new Int32Array(slots);
      this.#mask = slots - 1;
      this.#src.close?.();
      this.#pass = 'index';
      this.#at = 0;
    }
    return Math.max(1, done);
  }

  /** Third pass, a token per unit: text or bytes, and its slot in the hash. */
  #index(units: number): number {
    const p = this.#parts as BpeParts;
    const n = p.ranks.length;
    const stop = Math.min(n, this.#at + units);
    for (let t = this.#at; t < stop; t++) {
      const s = p.offsets[t]!;
      const e = p.offsets[t + 1]!;
      p.text[t] = validUtf8(p.bytes, s, e) && !startsWithBom(p.bytes, s, e) ? 1 : 0;
      if (findToken(p, this.#mask, p.bytes, s, e) >= 0)
        throw new Error(`${this.#source}: token ${t + 1} appears twice`);
      let slot = hashBytes(p.bytes, s, e) & this.#mask;
      while (p.slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      p.slots[slot] = t + 1;
    }
    const used = stop - this.#at;
    this.#at = stop;
    if (stop === n) {
      this.#table = new BpeTable(p);
      this.#parts = null;
      this.#pass = 'done';
    }
    return Math.max(1, used);
  }
}

/** The index of the token whose bytes are `b[start, end)` in `p`, or -1. */
function findToken(p: BpeParts, mask: number, b: Uint8Array, start: number, end: number): number {
  const len = end - start;
  let slot = hashBytes(b, start, end) & mask;
  for (;;) {
    const t = p.slots[slot]! - 1;
    if (t < 0) return -1;
    const s = p.offsets[t]!;
    if (p.offsets[t + 1]! - s === len) {
      let k = 0;
      while (k < len && p.bytes[s + k] === b[start + k]) k++;
      if (k === len) return t;
    }
    slot = (slot + 1) & mask;
  }
}

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

  /** Reads a `.tiktoken` file at once; `source` names it in errors. */
  static read(data: Uint8Array, source = 'rank table'): BpeTable {
    const b = new BpeTableBuilder(data, source);
    b.step(Number.POSITIVE_INFINITY);
    return b.table();
  }

  /** The arrays BpeTableBuilder built. */
  constructor(p: BpeParts) {
    this.bytes = p.bytes;
    this.offsets = p.offsets;
    this.ranks = p.ranks;
    this.text = p.text;
    this.slots = p.slots;
    this.mask = p.slots.length - 1;
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
