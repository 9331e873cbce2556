/**
 * Lazily loaded BPE encoders from gpt-tokenizer. The rank tables are megabytes and take ~100 ms to load,
 * so each encoding is required synchronously on its first use (through the package's CommonJS build,
 * which keeps every counting function synchronous) and reused afterwards. Special-token strings such as
 * "<|endoftext|>" inside user text are counted as ordinary text instead of throwing.
 */
import { createRequire } from 'node:module';
import type { OpenAiEncoding } from './token-count.js';

interface EncodeOptions {
  disallowedSpecial?: Set<string>;
}

interface Encoder {
  countTokens(text: string, options?: EncodeOptions): number;
}

const require = createRequire(import.meta.url);
const PLAIN_TEXT: EncodeOptions = Object.freeze({ disallowedSpecial: new Set<string>() });
const loaded = new Map<OpenAiEncoding, Encoder>();

function load(encoding: OpenAiEncoding): Encoder {
  let enc = loaded.get(encoding);
  if (enc === undefined) {
    enc = require(`gpt-tokenizer/cjs/encoding/${encoding}`) as Encoder;
    loaded.set(encoding, enc);
  }
  return enc;
}

/** Whether `encoding`'s rank table is already loaded in this thread. */
export function encoderLoaded(encoding: OpenAiEncoding): boolean {
  return loaded.has(encoding);
}

/** Number of BPE tokens of `text` under `encoding`. */
export function countWithEncoding(text: string, encoding: OpenAiEncoding): number {
  if (text.length === 0) return 0;
  return load(encoding).countTokens(text, PLAIN_TEXT);
}
