/**
 * A PennyError as an Anthropic `error` stream event. The error type is the upstream's own when it is an
 * Anthropic type (e.g. `overloaded_error`), else the one Penny's error code maps to.
 */
import type { PennyError } from '../../core/errors.js';
import { redactSecrets } from '../redact.js';
import { sse } from '../sse.js';
import { ANTHROPIC_ERROR_TYPES, errorTypeOfCode } from './error-types.js';

export function encodeStreamError(err: PennyError): string {
  const up = err.upstreamType;
  const type = up !== undefined && ANTHROPIC_ERROR_TYPES.has(up) ? up : errorTypeOfCode(err.code);
  return sse(
    JSON.stringify({ type: 'error', error: { type, message: redactSecrets(err.message) } }),
    'error',
  );
}
