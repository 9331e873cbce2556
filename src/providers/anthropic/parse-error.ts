import { ProviderError } from '../../core/errors.js';
import { redactSecrets } from '../redact.js';
import { upstreamErrorCode } from '../upstream-status.js';
import { isRecord } from './wire.js';

const MAX_MESSAGE = 500;

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
  const { code, retryable } = upstreamErrorCode(status);
  const label = type ? `${status} ${type}` : String(status);
  return new ProviderError(code, provider, `${provider} returned ${label}: ${redactSecrets(message)}`, {
    retryable,
    ...(code === 'upstream_bad_request' && status >= 400 && status < 500 ? { status } : {}),
    ...(type === undefined ? {} : { upstreamType: type }),
  });
}
