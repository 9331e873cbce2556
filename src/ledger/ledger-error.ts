/**
 * Failures of a ledger store, reported through the store's `onError` hook (or thrown from an explicit
 * `flush`/`close`). A store never swallows one: each names what happened to the entries involved.
 */
export type LedgerErrorCode =
  /** A batch could not be written (disk full, database locked …); the entries stay buffered. */
  | 'ledger_write_failed'
  /** The buffer hit its cap while writes were failing; the oldest entries were dropped. */
  | 'ledger_overflow'
  /** One entry could not be stored at all (e.g. unserialisable meta); it was dropped, the rest written. */
  | 'ledger_bad_entry'
  /** An entry was appended after `close()`; it was dropped. */
  | 'ledger_closed';

export class LedgerError extends Error {
  readonly code: LedgerErrorCode;
  /** How many entries the failure concerns (buffered, dropped …). */
  readonly entries: number;

  constructor(code: LedgerErrorCode, message: string, entries: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LedgerError';
    this.code = code;
    this.entries = entries;
  }
}
