/**
 * The prompt's fingerprint, recorded in every ledger entry's `meta.promptHash` whatever the feature's
 * privacy policy: it lets reports find repeated prompts without storing them. It covers what the model is
 * asked (system, messages, tools, tool choice, response format) and not the model or sampling settings,
 * so the same prompt sent to two models hashes the same.
 */
import { createHash, hash } from 'node:crypto';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';

/** Hex digits kept: 128 bits, plenty to tell prompts apart and half the size of a full SHA-256. */
const HASH_HEX = 32;

/**
 * It runs on every request, so the pieces are joined into one string and hashed in one call (one-shot
 * `crypto.hash`, no Hash object and no call into the native side per piece; the same bytes as feeding
 * them one by one, so the same hashes as before). Each piece is prefixed with its kind and length so that
 * no two different prompts feed the same bytes.
 */
export function promptHash(req: CanonicalRequest): string {
  let text = '';
  const piece = (kind: string, t: string) => {
    text += `${kind}${t.length}:${t}`;
  };
  for (const p of req.system) piece('s', p.text);
  for (const m of req.messages) {
    piece('m', m.role);
    for (const part of m.content) {
      if (part.type === 'text') piece('t', part.text);
      else if (part.type === 'tool_call') piece('c', `${part.id}\u0000${part.name}\u0000${part.arguments}`);
      else if (part.type === 'tool_result' && typeof part.content === 'string')
        piece('r', `${part.toolCallId}\u0000${part.content}`);
      else piece('j', JSON.stringify(part));
    }
  }
  if (req.tools || req.toolChoice || req.responseFormat)
    piece('x', JSON.stringify([req.tools ?? null, req.toolChoice ?? null, req.responseFormat ?? null]));
  return hash('sha256', text, 'hex').slice(0, HASH_HEX);
}

/** Address of a stored exchange: the hash of the request and response exactly as stored. */
export function exchangeHash(requestJson: string, responseJson: string): string {
  return createHash('sha256')
    .update(requestJson)
    .update('\u0000')
    .update(responseJson)
    .digest('hex')
    .slice(0, HASH_HEX);
}

/** Serialises a canonical response for storage, dropping the provider's raw usage (not needed, can be large). */
export function responseForStorage(res: CanonicalResponse): CanonicalResponse {
  if (!res.usage || res.usage.raw === undefined) return res;
  const { raw: _raw, ...usage } = res.usage;
  return { ...res, usage };
}
