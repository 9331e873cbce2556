/** A PennyError as the HTTP error body an Anthropic client expects: `{type:"error",error:{type,message}}`. */
import type { PennyError, WireError } from '../../core/errors.js';
import { redactKnownSecrets } from '../../core/known-secrets.js';
import { errorTypeOfCode, hasErrorTypeFor } from './error-types.js';

export function renderError(err: PennyError): WireError {
  const type = hasErrorTypeFor(err.code)
    ? errorTypeOfCode(err.code)
    : err.status >= 500
      ? 'api_error'
      : 'invalid_request_error';
  return {
    status: err.status,
    body: {
      type: 'error',
      error: {
        type,
        message: redactKnownSecrets(err.message),
        penny_code: err.code,
        ...(err.details ? { details: err.details } : {}),
      },
    },
  };
}
