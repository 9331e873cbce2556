/**
 * Failures of a ledger store, reported through the store's `onError` hook (or thrown from an explicit
 * `flush`/`close`). A store never swallows one: each names what happened to the entries involved.
 * A LedgerError is a PennyError (codes in core/errors.ts), so callers handle one error family.
 */
import { type LedgerErrorCode, PennyError } from '../core/errors.js';

export type { LedgerErrorCode } from '../core/errors.js';

export class LedgerError extends PennyError {
  declare readonly code: LedgerErrorCode;
  /** How many entries the failure concerns (buffered, dropped …). */
  readonly entries: number;

  constructor(code: LedgerErrorCode, message: string, entries: number, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.name = 'LedgerError';
    this.entries = entries;
  }
}
