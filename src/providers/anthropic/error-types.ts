/**
 * Anthropic error `type` strings ⇄ Penny error codes: the one Anthropic error map, used for HTTP error
 * bodies (render-error.ts) and for errors that arrive or leave inside a stream (where there is no HTTP
 * status to go by).
 */
import type { ErrorCode } from '../../core/errors.js';

const CODE_OF_TYPE: Record<string, ErrorCode> = {
  invalid_request_error: 'upstream_bad_request',
  not_found_error: 'upstream_bad_request',
  request_too_large: 'upstream_bad_request',
  authentication_error: 'upstream_auth',
  permission_error: 'upstream_auth',
  billing_error: 'upstream_auth',
  rate_limit_error: 'upstream_rate_limited',
  timeout_error: 'upstream_timeout',
  api_error: 'upstream_error',
  overloaded_error: 'upstream_error',
};

const TYPE_OF_CODE: Record<string, string> = {
  invalid_json: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  upstream_bad_request: 'invalid_request_error',
  body_too_large: 'request_too_large',
  unknown_model: 'not_found_error',
  not_found: 'not_found_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  unsupported_media_type: 'invalid_request_error',
  upstream_auth: 'authentication_error',
  upstream_rate_limited: 'rate_limit_error',
  budget_exceeded: 'rate_limit_error',
  rate_limited: 'rate_limit_error',
  budget_unpriced: 'invalid_request_error',
  governance_unavailable: 'overloaded_error',
  upstream_timeout: 'timeout_error',
  no_provider: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  circuit_open: 'overloaded_error',
};

/** Types an Anthropic client knows; an upstream type outside this set is not echoed to clients. */
export const ANTHROPIC_ERROR_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(CODE_OF_TYPE),
  'request_too_large',
]);

export function errorCodeOfType(type: string | undefined): ErrorCode {
  return (type !== undefined && CODE_OF_TYPE[type]) || 'upstream_error';
}

export function errorTypeOfCode(code: string): string {
  return TYPE_OF_CODE[code] ?? 'api_error';
}

/** Whether a Penny code has its own Anthropic type (else the HTTP status decides). */
export function hasErrorTypeFor(code: string): boolean {
  return Object.hasOwn(TYPE_OF_CODE, code);
}
