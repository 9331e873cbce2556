/**
 * A PennyError as the HTTP status and error body of the API the client speaks. Each provider module
 * renders its own dialect's errors; this only picks the module.
 */
import type { PennyError, WireError } from '../core/errors.js';
import type { Dialect } from '../core/request.js';
import { PROVIDER_MODULES } from './modules.js';

export type { WireError } from '../core/errors.js';

export function toWireError(err: PennyError, dialect: Dialect): WireError {
  return PROVIDER_MODULES[dialect].renderError(err);
}
