/**
 * Lazily loaded BPE counters. A rank table takes ~50 ms to build and ~5 MB to hold (o200k_base): the table
 * from gpt-tokenizer's `.tiktoken` data file into typed arrays (bpe-table.ts), counted with gpt-tokenizer's
 * own split regex (bpe-count.ts) — its counts, token for token, without its ~14 MB of maps per table.
 * A caller that counts on the request path builds the table at once on first use (`countWithEncoding`);
 * usage estimates build it a slice at a time between requests (`loadStep`, tokens/estimate-tokens.ts), and a
 * synchronous caller that comes first finishes that build. Special-token strings such as "<|endoftext|>"
 * inside user text are counted as ordinary text.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BpeCounter } from './bpe-count.js';
import { type BpeSource, BpeTableBuilder } from './bpe-table.js';
import type { OpenAiEncoding } from './token-count.js';

const require = createRequire(import.meta.url);

interface SplitRegexes {
  O200K_TOKEN_SPLIT_REGEX: RegExp;
  CL100K_TOKEN_SPLIT_REGEX: RegExp;
}

const loaded = new Map<OpenAiEncoding, BpeCounter>();
const building = new Map<OpenAiEncoding, BpeTableBuilder>();

/** Bytes read per chunk: the file is never in memory whole (a line is well under 1 KB). */
const CHUNK = 64 * 1024;

/** A `.tiktoken` file read a chunk at a time into one reused buffer. */
function fileSource(path: string): BpeSource {
  let fd: number | null = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const chunk = new Uint8Array(CHUNK);
  return {
    size,
    read(position) {
      if (fd === null) throw new Error(`${path}: read after close`);
      return chunk.subarray(0, readSync(fd, chunk, 0, CHUNK, position));
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

function builder(encoding: OpenAiEncoding): BpeTableBuilder {
  let b = building.get(encoding);
  if (b === undefined) {
    const path = require.resolve(`gpt-tokenizer/data/${encoding}.tiktoken`);
    b = new BpeTableBuilder(fileSource(path), path);
    building.set(encoding, b);
  }
  return b;
}

/**
 * Builds `encoding`'s table by about `units` lines' worth of work (see BpeTableBuilder.step); its counter
 * once the table is built, else null. A build that fails is dropped (the next call starts again) and throws.
 */
export function loadStep(encoding: OpenAiEncoding, units: number): BpeCounter | null {
  const counter = loaded.get(encoding);
  if (counter !== undefined) return counter;
  const b = builder(encoding);
  let done: boolean;
  try {
    done = b.step(units);
  } catch (e) {
    building.delete(encoding);
    throw e;
  }
  if (!done) return null;
  building.delete(encoding);
  const regexes = require('gpt-tokenizer/cjs/encodingParams/constants') as SplitRegexes;
  const c = new BpeCounter(
    b.table(),
    encoding === 'o200k_base' ? regexes.O200K_TOKEN_SPLIT_REGEX : regexes.CL100K_TOKEN_SPLIT_REGEX,
  );
  loaded.set(encoding, c);
  return c;
}

function load(encoding: OpenAiEncoding): BpeCounter {
  return loaded.get(encoding) ?? (loadStep(encoding, Number.POSITIVE_INFINITY) as BpeCounter);
}

/** Whether `encoding`'s rank table is already loaded in this thread. */
export function encoderLoaded(encoding: OpenAiEncoding): boolean {
  return loaded.has(encoding);
}

/** Number of BPE tokens of `text` under `encoding`. */
export function countWithEncoding(text: string, encoding: OpenAiEncoding): number {
  if (text.length === 0) return 0;
  return load(encoding).count(text);
}
