/**
 * The SQLite ledger's write-ahead journal: closes the SIGKILL window of the batched writes. Each entry is
 * appended to a journal file with one write(2) (a line of JSON: the row's parameters) when the ledger
 * receives it — before the answer's last bytes go out — so a killed process leaves it with the kernel, which
 * writes it out even though the process is gone (no fsync: a process kill, not a machine crash). After a
 * batch commits and the buffer is empty the file is deleted and a fresh one started. On open, files left by
 * processes that no longer run are replayed into the table, each entry exactly once (skipped when its id is
 * already stored), then deleted.
 *
 * Files: `<ledger>.journal/<pid>-<n>.jsonl`, one writer per file; a live process's files are never touched.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { SqlValue } from './row-codec.js';

const FILE = /^(\d+)-(\d+)\.jsonl$/;

/**
 * bigints (money, counts) become `{"b":"…"}`; no other parameter is an object. Runs once per entry on the
 * request path when the journal is on, so the bigints are swapped in a copy first rather than by a
 * JSON.stringify replacer (a call back into JS for every value): the same line, in half the time.
 */
export function encodeParams(params: SqlValue[]): string {
  const out: unknown[] = new Array(params.length);
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    out[i] = typeof v === 'bigint' ? { b: v.toString() } : v;
  }
  return JSON.stringify(out);
}

export function decodeParams(line: string): SqlValue[] {
  const v = JSON.parse(line, (_k, x) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) && typeof x.b === 'string' ? BigInt(x.b) : x,
  ) as unknown;
  if (!Array.isArray(v)) throw new Error('journal line is not an array');
  return v as SqlValue[];
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LedgerJournal {
  readonly #dir: string;
  #fd: number | undefined;
  #n = 0;
  #path = '';
  /** Bytes written to the current file. */
  #bytes = 0;

  readonly #rotateBytes: number;

  constructor(dir: string, rotateBytes = 4 * 1024 * 1024) {
    this.#dir = dir;
    this.#rotateBytes = rotateBytes;
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Replays the files of processes that no longer run: `insert` is called (inside one transaction) with
   * every entry whose id is not already stored. Returns how many were restored. A torn last line (a machine
   * crash mid-write) is skipped.
   */
  static replay(
    dir: string,
    db: Database.Database,
    insert: (params: SqlValue[]) => void,
    table: string,
  ): number {
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      return 0;
    }
    const dead = files
      .map((f) => ({ f, m: FILE.exec(f) }))
      .filter((x) => x.m !== null && !alive(Number(x.m[1])))
      .sort((a, b) => Number(a.m![1]) - Number(b.m![1]) || Number(a.m![2]) - Number(b.m![2]))
      .map((x) => join(dir, x.f));
    if (dead.length === 0) return 0;
    const has = db.prepare<[string], { one: number }>(`SELECT 1 AS one FROM ${table} WHERE id = ? LIMIT 1`);
    let restored = 0;
    db.transaction(() => {
      for (const path of dead) {
        for (const line of readFileSync(path, 'utf8').split('\n')) {
          if (line === '') continue;
          let params: SqlValue[];
          try {
            params = decodeParams(line);
          } catch {
            continue;
          }
          const id = params[0];
          if (typeof id !== 'string' || has.get(id) !== undefined) continue;
          insert(params);
          restored++;
        }
      }
    })();
    for (const path of dead) unlinkSync(path);
    return restored;
  }

  /** Appends one entry's row parameters; synchronous, one write(2). */
  append(params: SqlValue[]): void {
    if (this.#fd === undefined) {
      this.#path = join(this.#dir, `${process.pid}-${this.#n++}.jsonl`);
      this.#fd = openSync(this.#path, 'a');
    }
    this.#bytes += writeSync(this.#fd, `${encodeParams(params)}\n`);
  }

  /**
   * Every journaled entry is committed. Once the file holds `rotateBytes`, it goes and the next append starts
   * a new one; until then it keeps growing (creating and deleting a file at every batch costs more than the
   * appends — replay skips entries already stored, so committed lines in it are harmless).
   */
  committed(force = false): void {
    if (this.#fd === undefined || (!force && this.#bytes < this.#rotateBytes)) return;
    closeSync(this.#fd);
    this.#fd = undefined;
    this.#bytes = 0;
    unlinkSync(this.#path);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
