/**
 * Lazily loaded BPE encoders from gpt-tokenizer. The rank tables are megabytes and take ~100 ms to load,
 * so each encoding is built synchronously on its first use (gpt-tokenizer's CommonJS `GptEncoding`, which
 * keeps every counting function synchronous, over the rank table read by `rank-table.ts` from the
 * package's data file rather than its 2.4 MB generated module) and reused afterwards. Special-token strings such as
 * "<|endoftext|>" inside user text are counted as ordinary text instead of throwing.
 */
import { createRequire } from 'node:module';
import { loadRanks, type RankedToken } from './rank-table.js';
import type { OpenAiEncoding } from './token-count.js';

interface EncodeOptions {
  disallowedSpecial?: Set<string>;
}

interface Encoder {
  countTokens(text: string, options?: EncodeOptions): number;
  setMergeCacheSize(size: number): void;
}

/**
 * Entries in an encoder's cache of merged words (gpt-tokenizer's default is 100,000, which in a gateway
 * that runs for weeks is tens of MB held for a small speed-up on repeated words outside the vocabulary).
 */
const MERGE_CACHE_SIZE = 10_000;

interface GptEncodingClass {
  getEncodingApi(encoding: OpenAiEncoding, getMergeableRanks: () => RankedToken[]): Encoder;
}

const require = createRequire(import.meta.url);
const PLAIN_TEXT: EncodeOptions = Object.freeze({ disallowedSpecial: new Set<string>() });
const loaded = new Map<OpenAiEncoding, Encoder>();

function load(encoding: OpenAiEncoding): Encoder {
  let enc = loaded.get(encoding);
  if (enc === undefined) {
    const { GptEncoding } = require('gpt-tokenizer/cjs/GptEncoding') as { GptEncoding: GptEncodingClass };
    enc = GptEncoding.getEncodingApi(encoding, () => loadRanks(encoding));
    enc.setMergeCacheSize(MERGE_CACHE_SIZE);
    loaded.set(encoding, enc);
  }
  return enc;
}

/** Whether `encoding`'s rank table is already loaded in this thread. */
export function encoderLoaded(encoding: OpenAiEncoding): boolean {
  return loaded.has(encoding);
}

/** How many rank tables are loaded in this thread. */
export function loadedEncoders(): number {
  return loaded.size;
}

/** Number of BPE tokens of `text` under `encoding`. */
export function countWithEncoding(text: string, encoding: OpenAiEncoding): number {
  if (text.length === 0) return 0;
  return load(encoding).countTokens(text, PLAIN_TEXT);
}
