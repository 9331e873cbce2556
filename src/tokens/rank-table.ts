/**
 * BPE rank tables read from gpt-tokenizer's `.tiktoken` data files (one "base64-bytes rank" per line)
 * instead of its generated JavaScript modules. The module for o200k_base is 2.4 MB of array literals:
 * V8 parses it into an AST, compiles bytecode for a 200,000-element literal and keeps the parser's
 * memory in the thread's malloc arena, so loading it cost ~72 MB of RSS in the estimate worker for a
 * table whose live size is ~20 MB. Reading the data file builds the same array (the same strings, and
 * the same byte arrays for tokens that are not valid UTF-8 on their own) with no parse, at about half the
 * RSS. `rank-table.test.ts` checks the result equals the generated module entry for entry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { TextDecoder } from 'node:util';
import type { OpenAiEncoding } from './token-count.js';

/** A rank's token: its text, or its bytes when they are not valid UTF-8 on their own. */
export type RankedToken = string | number[];

const require = createRequire(import.meta.url);

/**
 * Parses a `.tiktoken` file into the array gpt-tokenizer's encoders take (index = rank). A token is a
 * string when its bytes decode as UTF-8 and encode back to the same bytes (as gpt-tokenizer's generator
 * decides: a leading byte-order mark is dropped by the decoder, so such tokens stay bytes).
 */
export function ranksFromTiktoken(data: Buffer, source = 'rank table'): RankedToken[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const ranks: RankedToken[] = [];
  let line = 1;
  for (let i = 0; i < data.length; line++) {
    const nl = data.indexOf(0x0a, i);
    const end = nl < 0 ? data.length : nl;
    const sp = data.indexOf(0x20, i);
    if (sp < 0 || sp >= end) {
      if (end === i) break; // trailing empty line
      throw new Error(`${source}: line ${line} is not "<base64> <rank>"`);
    }
    const rank = Number(data.toString('latin1', sp + 1, end));
    if (!Number.isInteger(rank) || rank < 0) throw new Error(`${source}: line ${line} has no valid rank`);
    const bytes = Buffer.from(data.toString('latin1', i, sp), 'base64');
    ranks[rank] = tokenOf(bytes, decoder);
    i = end + 1;
  }
  return ranks;
}

function tokenOf(bytes: Buffer, decoder: TextDecoder): RankedToken {
  let ascii = true;
  for (let k = 0; k < bytes.length; k++) {
    if (bytes[k]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return bytes.toString('latin1');
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return Array.from(bytes);
  }
  return Buffer.byteLength(text) === bytes.length && Buffer.from(text).equals(bytes)
    ? text
    : Array.from(bytes);
}

/** The rank table of `encoding`, from the data file gpt-tokenizer ships. */
export function loadRanks(encoding: OpenAiEncoding): RankedToken[] {
  const path = require.resolve(`gpt-tokenizer/data/${encoding}.tiktoken`);
  return ranksFromTiktoken(readFileSync(path), path);
}
