/**
 * The OpenAI Chat Completions dialect: spoken by OpenAI, Azure OpenAI and every OpenAI-compatible server
 * (vLLM, Ollama, DeepSeek …) upstream, and by OpenAI SDK clients of the gateway. Each method is a pure
 * converter in its own module; this object only names them.
 */
import type { DialectCodec } from '../dialect.js';
import { parseUsage } from './convert-usage.js';
import { encodeStreamError, parseError } from './parse-error.js';
import { parseRequest } from './parse-request.js';
import { parseResponse } from './parse-response.js';
import { renderError } from './render-error.js';
import { renderRequest } from './render-request.js';
import { renderResponse } from './render-response.js';
import { createStreamDecoder } from './stream-decoder.js';
import { createStreamEncoder } from './stream-encoder.js';

export const openaiCodec: DialectCodec = {
  name: 'openai',
  parseRequest,
  renderRequest,
  parseResponse,
  renderResponse,
  parseUsage,
  createStreamDecoder,
  createStreamEncoder,
  parseError,
  encodeStreamError,
  renderError,
};
