/**
 * Lazily loaded BPE counters. A rank table takes ~50 ms to build and ~4 MB to hold (o200k_base), so each
 * encoding is built synchronously on its first use and reused afterwards: the table from gpt-tokenizer's
 * `.tiktoken` data file into typed arrays (bpe-table.ts), counted with gpt-tokenizer's own split regex
 * (bpe-count.ts) — its counts, token for token, without its ~14 MB of maps per table. Special-token strings
 * such as "<|endoftext|>" inside user text are counted as ordinary text.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpeCounter } from './bpe-count.js';
import { BpeTable } from './bpe-table.js';
import type { OpenAiEncoding } from './token-count.js';

const require = createRequire(import.meta.url);

interface SplitRegexes {
  O200K_TOKEN_SPLIT_REGEX: RegExp;
  CL100K_TOKEN_SPLIT_REGEX: RegExp;
}

const loaded = new Map<OpenAiEncoding, BpeCounter>();

function load(encoding: OpenAiEncoding): BpeCounter {
  let counter = loaded.get(encoding);
  if (counter === undefined) {
    const regexes = require('gpt-tokenizer/cjs/encodingParams/constants') as SplitRegexes;
    const path = require.resolve(`gpt-tokenizer/data/${encoding}.tiktoken`);
    counter = new BpeCounter(
      new BpeTable(readFileSync(path), path),
      encoding === 'o200k_base' ? regexes.O200K_TOKEN_SPLIT_REGEX : regexes.CL100K_TOKEN_SPLIT_REGEX,
    );
    loaded.set(encoding, counter);
  }
  return counter;
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
  return load(encoding).count(text);
}
