/**
 * How full a SQLite WAL is, read from the wal-index header in `<db>-shm` without a connection, a query or a
 * lock (https://sqlite.org/walformat.html): `mxFrame` at byte 16 of the first of two identical 48-byte copies
 * of the header, `nBackfill` (frames already copied back into the database) at byte 96, in native byte
 * order. One pread of 136 bytes. A header that is being rewritten (the copies differ), not initialised, or of
 * another version reads as null: the caller treats that as "unknown", never as empty.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';

const WAL_INDEX_VERSION = 3007000;
const HEADER_BYTES = 136;
const le = endianness() === 'LE';

export interface WalFill {
  /** Frames in the WAL (back to 0 when a writer starts it over). */
  mxFrame: number;
  /** Of those, frames already copied back into the database. */
  nBackfill: number;
}

export class WalIndexReader {
  readonly #path: string;
  #fd: number | undefined;
  readonly #buf = Buffer.alloc(HEADER_BYTES);

  /** `dbPath`: the database file; its wal-index is `<dbPath>-shm`. */
  constructor(dbPath: string) {
    this.#path = `${dbPath}-shm`;
  }

  read(): WalFill | null {
    const b = this.#buf;
    try {
      if (this.#fd === undefined) this.#fd = openSync(this.#path, 'r');
      if (readSync(this.#fd, b, 0, HEADER_BYTES, 0) < HEADER_BYTES) return null;
    } catch {
      return null;
    }
    if (b.compare(b, 48, 96, 0, 48) !== 0 || b[12] !== 1 || u32(b, 0) !== WAL_INDEX_VERSION) return null;
    return { mxFrame: u32(b, 16), nBackfill: u32(b, 96) };
  }

  close(): void {
    try {
      if (this.#fd !== undefined) closeSync(this.#fd);
    } catch {}
    this.#fd = undefined;
  }
}

function u32(b: Buffer, off: number): number {
  return le ? b.readUInt32LE(off) : b.readUInt32BE(off);
}
