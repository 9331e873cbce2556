/**
 * What an upstream HTTP error status means for Penny, for every dialect: the error code clients see and
 * whether a retry (or a fallback target) may help. 5xx (incl. Anthropic's 529 "overloaded"), 408, 429 and 504
 * are retryable; other 4xx are the request's fault.
 */
import type { ErrorCode } from '../core/errors.js';

export function upstreamErrorCode(status: number): { code: ErrorCode; retryable: boolean } {
  switch (status) {
    case 401:
    case 403:
      return { code: 'upstream_auth', retryable: false };
    case 429:
      return { code: 'upstream_rate_limited', retryable: true };
    case 408:
    case 504:
      return { code: 'upstream_timeout', retryable: true };
  }
  if (status >= 500) return { code: 'upstream_error', retryable: true };
  if (status >= 400) return { code: 'upstream_bad_request', retryable: false };
  return { code: 'upstream_error', retryable: false };
}
