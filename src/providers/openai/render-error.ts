/**
 * A PennyError as the HTTP error body an OpenAI client expects: `{error:{message,type,param,code}}`. The
 * one OpenAI error map (the stream error event reuses it); the Responses API shares it.
 */
import type { ErrorCode, PennyError, WireError } from '../../core/errors.js';
import { redactKnownSecrets } from '../../core/known-secrets.js';

const OPENAI_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  body_too_large: 'invalid_request_error',
  unknown_model: 'invalid_request_error',
  no_provider: 'invalid_request_error',
  not_found: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  unsupported_media_type: 'invalid_request_error',
  upstream_auth: 'authentication_error',
  upstream_rate_limited: 'rate_limit_error',
  upstream_bad_request: 'invalid_request_error',
  budget_exceeded: 'insufficient_quota',
  budget_unpriced: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
};

/** OpenAI's error `type` for a Penny error. */
export function openaiErrorType(err: PennyError): string {
  return OPENAI_TYPE[err.code] ?? (err.status >= 500 ? 'server_error' : 'invalid_request_error');
}

export function renderError(err: PennyError): WireError {
  return {
    status: err.status,
    body: {
      error: {
        message: redactKnownSecrets(err.message),
        type: openaiErrorType(err),
        param: err.param ?? null,
        code: err.code,
        ...(err.details ? { details: err.details } : {}),
      },
    },
  };
}
