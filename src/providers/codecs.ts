/** Dialect name → codec. The one place that knows every wire format. */
import type { Dialect } from '../core/request.js';
import { anthropicCodec } from './anthropic/codec.js';
import type { DialectCodec } from './dialect.js';
import { openaiCodec } from './openai/codec.js';
import { responsesCodec } from './openai-responses/codec.js';

export const CODECS: Record<Dialect, DialectCodec> = {
  openai: openaiCodec,
  anthropic: anthropicCodec,
  responses: responsesCodec,
};
