/**
 * The OpenAI Responses API dialect (`/v1/responses`): spoken by clients using `client.responses.*`, and
 * upstream by OpenAI itself when such a client's request goes to an OpenAI provider (so reasoning items and
 * built-in tools keep working). Clients of this dialect served by Chat Completions or Anthropic upstreams
 * get their answer translated back. Errors share OpenAI's shape.
 */
import type { DialectCodec } from '../dialect.js';
import { parseError } from '../openai/parse-error.js';
import { parseResponsesUsage } from './convert-usage.js';
import { parseRequest } from './parse-request.js';
import { parseResponse } from './parse-response.js';
import { renderError } from '../openai/render-error.js';
import { renderRequest } from './render-request.js';
import { renderResponse } from './render-response.js';
import { createStreamDecoder } from './stream-decoder.js';
import { createStreamEncoder, encodeStreamError } from './stream-encoder.js';

export const responsesCodec: DialectCodec = {
  name: 'responses',
  parseRequest,
  renderRequest,
  parseResponse,
  renderResponse,
  parseUsage: parseResponsesUsage,
  createStreamDecoder,
  createStreamEncoder,
  parseError,
  encodeStreamError,
  renderError,
};
