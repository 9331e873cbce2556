/**
 * Errors with stable codes. Every failure Penny reports is a PennyError (or is wrapped into one). Each
 * provider module renders them for its dialect's clients (providers/wire-error.ts `toWireError` picks the
 * module), so a code becomes an HTTP status plus an OpenAI- or Anthropic-shaped body in one place per
 * dialect. Messages must say what to fix and must never contain a provider key.
 */

/** Failures of a ledger store (see ledger/ledger-error.ts); never shown to an API client. */
export type LedgerErrorCode =
  /** A batch could not be written (disk full, database locked …); the entries stay buffered. */
  | 'ledger_write_failed'
  /** The buffer hit its cap while writes were failing; the oldest entries were dropped. */
  | 'ledger_overflow'
  /** One entry could not be stored at all (e.g. unserialisable meta); it was dropped, the rest written. */
  | 'ledger_bad_entry'
  /** An entry was appended after `close()`; it was dropped. */
  | 'ledger_closed'
  /** The store could not be opened (its database unreachable or its migrations refused); nothing was written. */
  | 'ledger_unavailable';

export type ErrorCode =
  | LedgerErrorCode
  | 'invalid_json'
  | 'invalid_request'
  | 'body_too_large'
  | 'unknown_model'
  | 'no_provider'
  | 'not_found'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'unsupported_media_type'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_bad_request'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'upstream_stream_broken'
  | 'upstream_bad_response'
  | 'budget_exceeded'
  | 'budget_unpriced'
  | 'rate_limited'
  | 'governance_unavailable'
  | 'config_invalid'
  | 'client_aborted'
  | 'shutting_down'
  | 'circuit_open'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  body_too_large: 413,
  unknown_model: 404,
  no_provider: 400,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  forbidden: 403,
  unsupported_media_type: 415,
  upstream_auth: 401,
  upstream_rate_limited: 429,
  upstream_bad_request: 400,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unreachable: 502,
  upstream_stream_broken: 502,
  upstream_bad_response: 502,
  budget_exceeded: 429,
  circuit_open: 503,
  budget_unpriced: 400,
  rate_limited: 429,
  governance_unavailable: 503,
  config_invalid: 500,
  client_aborted: 499,
  shutting_down: 503,
  internal: 500,
  ledger_write_failed: 500,
  ledger_overflow: 500,
  ledger_bad_entry: 500,
  ledger_unavailable: 503,
  ledger_closed: 500,
};

export interface PennyErrorOptions {
  status?: number;
  /** The request field at fault, e.g. "messages[2].content". */
  param?: string;
  retryable?: boolean;
  cause?: unknown;
  /** The provider's own error type / code, when the error came from upstream. */
  upstreamType?: string;
  /** Machine-readable facts about the error (a budget's scope, limit, spent …), sent as `error.details`. */
  details?: Record<string, unknown>;
}

export class PennyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryable: boolean;
  readonly upstreamType: string | undefined;
  /** Headers the client gets with this error (an upstream 429's `retry-after` and rate-limit headers). */
  clientHeaders: Record<string, string> | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: PennyErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PennyError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.param = opts.param;
    this.retryable = opts.retryable ?? false;
    this.upstreamType = opts.upstreamType;
    this.clientHeaders = undefined;
    this.details = opts.details;
  }
}

/** A request the client must fix. */
export class InvalidRequestError extends PennyError {
  constructor(message: string, param?: string, cause?: unknown) {
    super('invalid_request', message, { ...(param === undefined ? {} : { param }), cause });
    this.name = 'InvalidRequestError';
  }
}

/** An upstream provider answered with an error or could not be reached. */
export class ProviderError extends PennyError {
  readonly provider: string;
  constructor(code: ErrorCode, provider: string, message: string, opts: PennyErrorOptions = {}) {
    super(code, message, opts);
    this.name = 'ProviderError';
    this.provider = provider;
  }
}

/** The configuration is wrong; `path` names the field. */
export class ConfigError extends PennyError {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super('config_invalid', path ? `config: ${path}: ${message}` : `config: ${message}`, { cause });
    this.name = 'ConfigError';
    this.path = path;
  }
}

export function isPennyError(e: unknown): e is PennyError {
  return e instanceof PennyError;
}

/** The message of anything thrown: an Error's own message, anything else as text. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Wraps anything thrown into a PennyError without losing the cause. */
export function asPennyError(e: unknown): PennyError {
  if (e instanceof PennyError) return e;
  return new PennyError('internal', `internal error: ${messageOf(e)}`, { cause: e });
}

/** An error as a client receives it: HTTP status and the dialect's JSON body. */
export interface WireError {
  status: number;
  body: Record<string, unknown>;
}
