/**
 * Errors with stable codes. Every failure Penny reports is a PennyError (or is wrapped into one), and
 * `toWireError` is the single place where a code becomes an HTTP status plus an OpenAI- or
 * Anthropic-shaped body. Messages must say what to fix and must never contain a provider key.
 */
import type { Dialect } from './request.js';

/** Failures of a ledger store (see ledger/ledger-error.ts); never shown to an API client. */
export type LedgerErrorCode =
  /** A batch could not be written (disk full, database locked …); the entries stay buffered. */
  | 'ledger_write_failed'
  /** The buffer hit its cap while writes were failing; the oldest entries were dropped. */
  | 'ledger_overflow'
  /** One entry could not be stored at all (e.g. unserialisable meta); it was dropped, the rest written. */
  | 'ledger_bad_entry'
  /** An entry was appended after `close()`; it was dropped. */
  | 'ledger_closed';

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
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_bad_request'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'upstream_stream_broken'
  | 'upstream_bad_response'
  | 'budget_exceeded'
  | 'config_invalid'
  | 'client_aborted'
  | 'shutting_down'
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
  upstream_auth: 401,
  upstream_rate_limited: 429,
  upstream_bad_request: 400,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unreachable: 502,
  upstream_stream_broken: 502,
  upstream_bad_response: 502,
  budget_exceeded: 429,
  config_invalid: 500,
  client_aborted: 499,
  shutting_down: 503,
  internal: 500,
  ledger_write_failed: 500,
  ledger_overflow: 500,
  ledger_bad_entry: 500,
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
}

export class PennyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;
  readonly retryable: boolean;
  readonly upstreamType: string | undefined;
  /** Headers the client gets with this error (an upstream 429's `retry-after` and rate-limit headers). */
  clientHeaders: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, opts: PennyErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PennyError';
    this.code = code;
    this.status = opts.status ?? STATUS[code];
    this.param = opts.param;
    this.retryable = opts.retryable ?? false;
    this.upstreamType = opts.upstreamType;
    this.clientHeaders = undefined;
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

/** Wraps anything thrown into a PennyError without losing the cause. */
export function asPennyError(e: unknown): PennyError {
  if (e instanceof PennyError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PennyError('internal', `internal error: ${message}`, { cause: e });
}

const OPENAI_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  body_too_large: 'invalid_request_error',
  unknown_model: 'invalid_request_error',
  no_provider: 'invalid_request_error',
  not_found: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  unauthorized: 'authentication_error',
  upstream_auth: 'authentication_error',
  upstream_rate_limited: 'rate_limit_error',
  upstream_bad_request: 'invalid_request_error',
  budget_exceeded: 'insufficient_quota',
};

const ANTHROPIC_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_json: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  body_too_large: 'request_too_large',
  unknown_model: 'not_found_error',
  no_provider: 'invalid_request_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  unauthorized: 'authentication_error',
  upstream_auth: 'authentication_error',
  upstream_rate_limited: 'rate_limit_error',
  upstream_bad_request: 'invalid_request_error',
  upstream_timeout: 'timeout_error',
  budget_exceeded: 'rate_limit_error',
};

export interface WireError {
  status: number;
  body: Record<string, unknown>;
}

/**
 * @deprecated Use `toWireError` from providers/wire-error.ts: each provider module renders its own
 * dialect's errors (openai/render-error.ts, anthropic/render-error.ts). This copy stays only until the
 * last callers in pipeline/gateway.ts and pipeline/execute/single.ts move (issue 17); the contract suite
 * (providers/dialect-contract.test.ts) checks the two agree.
 */
export function toWireError(err: PennyError, dialect: Dialect): WireError {
  if (dialect === 'anthropic') {
    const type = ANTHROPIC_TYPE[err.code] ?? (err.status >= 500 ? 'api_error' : 'invalid_request_error');
    return {
      status: err.status,
      body: { type: 'error', error: { type, message: err.message, penny_code: err.code } },
    };
  }
  const type = OPENAI_TYPE[err.code] ?? (err.status >= 500 ? 'server_error' : 'invalid_request_error');
  return {
    status: err.status,
    body: { error: { message: err.message, type, param: err.param ?? null, code: err.code } },
  };
}
