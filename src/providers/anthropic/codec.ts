/**
 * The Anthropic Messages dialect: every converter of this folder behind the DialectCodec interface.
 * Each piece is a pure function or a per-stream object; see the files for the translation rules.
 */
import type { DialectCodec } from '../dialect.js';
import { parseUsage } from './convert-usage.js';
import { encodeStreamError } from './encode-stream-error.js';
import { parseError } from './parse-error.js';
import { parseRequest } from './parse-request.js';
import { parseResponse } from './parse-response.js';
import { renderError } from './render-error.js';
import { renderRequest } from './render-request.js';
import { renderResponse } from './render-response.js';
import { AnthropicStreamDecoder } from './stream-decoder.js';
import { AnthropicStreamEncoder } from './stream-encoder.js';

export const anthropicCodec: DialectCodec = {
  name: 'anthropic',
  parseRequest,
  renderRequest,
  parseResponse,
  renderResponse,
  parseUsage,
  createStreamDecoder: (provider) => new AnthropicStreamDecoder(provider),
  createStreamEncoder: (req) => new AnthropicStreamEncoder(req),
  parseError,
  encodeStreamError,
  renderError,
};
