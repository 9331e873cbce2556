/**
 * An Anthropic error response → ProviderError. The HTTP status decides the code (and whether a retry may
 * help); the body's `error.type` is kept as `upstreamType`. Upstream messages can echo credentials, so
 * they pass through redactSecrets before they reach a log or a client.
 */
import type { ErrorCode } from '../../core/errors.js';
import { ProviderError } from '../../core/errors.js';
import { redactSecrets } from '../redact.js';
import { isRecord } from './wire.js';

const MAX_MESSAGE = 500;

function codeOf(status: number): { code: ErrorCode; retryable: boolean } {
  switch (status) {
    case 400:
    case 404:
    case 413:
    case 422:
      return { code: 'upstream_bad_request', retryable: false };
    case 401:
    case 403:
      return { code: 'upstream_auth', retryable: false };
    case 429:
      return { code: 'upstream_rate_limited', retryable: true };
    case 408:
    case 504:
      return { code: 'upstream_timeout', retryable: true };
    default:
      // 500, 502, 503, 529 (overloaded) and anything else in the 5xx range.
      if (status >= 500) return { code: 'upstream_error', retryable: true };
      return { code: 'upstream_bad_request', retryable: false };
  }
}

export function parseError(status: number, bodyText: string, provider: string): ProviderError {
  let type: string | undefined;
  let message: string | undefined;
  try {
    const body: unknown = JSON.parse(bodyText);
    const err = isRecord(body) ? body.error : undefined;
    if (isRecord(err)) {
      if (typeof err.type === 'string') type = err.type;
      if (typeof err.message === 'string') message = err.message;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the text itself is the message.
  }
  if (message === undefined) {
    const text = bodyText.trim();
    message =
      text === '' ? 'no error body' : text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
  }
  const { code, retryable } = codeOf(status);
  const label = type ? `${status} ${type}` : String(status);
  return new ProviderError(code, provider, `${provider} returned ${label}: ${redactSecrets(message)}`, {
    retryable,
    ...(code === 'upstream_bad_request' && status >= 400 && status < 500 ? { status } : {}),
    ...(type === undefined ? {} : { upstreamType: type }),
  });
}
