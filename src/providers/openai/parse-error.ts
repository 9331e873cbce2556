/**
 * Upstream error responses → ProviderError, and errors in the middle of a stream → an OpenAI SSE error
 * event. The code follows the HTTP status (the body is often not JSON: proxies answer with HTML or plain
 * text); the upstream's own message and type are kept for the client, with credentials redacted because
 * providers echo the offending key back.
 */
import { type PennyError, ProviderError } from '../../core/errors.js';
import { sse } from '../sse.js';
import { redactSecrets } from '../redact.js';
import { upstreamErrorCode } from '../upstream-status.js';
import { openaiErrorType } from './render-error.js';
import { isObject } from './wire-guards.js';

const MAX_MESSAGE = 500;

interface Detail {
  message?: string;
  type?: string;
  param?: string;
}

/** Reads OpenAI (`{error:{message,type,code,param}}`), Anthropic-style and common compatible-server bodies. */
function readDetail(bodyText: string): Detail {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    const text = bodyText.trim();
    return text === '' ? {} : { message: text };
  }
  if (!isObject(body)) return {};
  const err = body.error;
  const src = isObject(err) ? err : body;
  const d: Detail = {};
  if (typeof src.message === 'string') d.message = src.message;
  else if (typeof err === 'string') d.message = err;
  else if (typeof body.detail === 'string') d.message = body.detail;
  if (typeof src.type === 'string') d.type = src.type;
  else if (typeof src.code === 'string') d.type = src.code;
  if (typeof src.param === 'string') d.param = src.param;
  return d;
}

export function parseError(status: number, bodyText: string, provider: string): ProviderError {
  const { code, retryable } = upstreamErrorCode(status);
  const detail = readDetail(bodyText);
  let upstream = detail.message ?? 'no error message';
  if (upstream.length > MAX_MESSAGE) upstream = `${upstream.slice(0, MAX_MESSAGE)}…`;
  const message = redactSecrets(`${provider} returned HTTP ${status}: ${upstream}`);
  return new ProviderError(code, provider, message, {
    retryable,
    ...(detail.type === undefined ? {} : { upstreamType: detail.type }),
    ...(detail.param === undefined ? {} : { param: detail.param }),
  });
}

/** `data: {"error":{…}}` — what OpenAI itself sends when a stream fails after it started. */
export function encodeStreamError(err: PennyError): string {
  return sse(
    JSON.stringify({
      error: { message: redactSecrets(err.message), type: openaiErrorType(err), code: err.code },
    }),
  );
}
