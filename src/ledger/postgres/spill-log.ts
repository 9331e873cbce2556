/**
 * The local safety net of the PostgreSQL ledger: while the database cannot take a batch, its rows are
 * appended to a file (one JSON array of column values per line) and fsynced before the batch counts as
 * kept. When the database answers again the files are replayed and removed. Replays insert with
 * `ON CONFLICT (id) DO NOTHING`, so a batch that did commit before its connection died, or a file replayed
 * twice after a crash, still yields each request exactly once.
 *
 * Each process appends to its own file (`spill-<pid>.jsonl`). A replay first renames the file it takes
 * (`…​.replaying-<pid>`), so new spills go to a fresh file and two processes never replay the same file at
 * once; files left by a process that no longer runs (a SIGKILLed instance) are taken over by the next
 * replay of any process sharing the directory. Writes are synchronous: this path only runs while the
 * database is failing, and an fsync that returned is the promise that nothing is lost.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { PgValue } from './pg-row-codec.js';

const ACTIVE_RE = /^spill-(\d+)\.jsonl$/;
/** How often `hasPending` looks for files left by processes that are gone, ms. */
const SCAN_INTERVAL_MS = 5000;
const CLAIMED_RE = /^spill-(\d+)-(\d+)\.jsonl\.replaying-(\d+)$/;

export interface SpillReplayResult {
  rows: number;
  /** Lines that were not a row (a line cut short by a crash mid-write); skipped. */
  badLines: number;
}

export class SpillLog {
  readonly dir: string;
  readonly #pid: number;
  #fd: number | undefined;
  /** Rows appended to the active file since it was last taken for replay. */
  #activeRows = 0;
  #seq = 0;
  /** When the directory was last listed for files left by other processes, and whether it had any. */
  #lastScan = 0;
  #foreign = false;

  constructor(dir: string, pid = process.pid) {
    this.dir = dir;
    this.#pid = pid;
  }

  get activeFile(): string {
    return join(this.dir, `spill-${this.#pid}.jsonl`);
  }

  /** Appends rows and fsyncs; throws when the disk refuses (the caller then still holds the rows). */
  append(rows: readonly PgValue[][]): void {
    if (rows.length === 0) return;
    if (this.#fd === undefined) {
      mkdirSync(this.dir, { recursive: true });
      this.#fd = openSync(this.activeFile, 'a', 0o600);
    }
    let text = '';
    for (const r of rows) text += `${JSON.stringify(r)}\n`;
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(this.#fd, buf, off, buf.length - off);
    fsyncSync(this.#fd);
    this.#activeRows += rows.length;
  }

  /** True when this process has spilled rows not yet replayed, or another dead process left some. */
  hasPending(): boolean {
    if (this.#activeRows > 0) return true;
    const now = Date.now();
    if (now - this.#lastScan < SCAN_INTERVAL_MS) return this.#foreign;
    this.#lastScan = now;
    this.#foreign = this.#claimable().length > 0;
    return this.#foreign;
  }

  /**
   * Replays every file this process may take: its own, and those of processes that are gone. `insert`
   * receives batches of at most `batchSize` rows; when it throws, the file keeps its claimed name and is
   * retried next time (rows already inserted are skipped by the database then).
   */
  async replay(insert: (rows: PgValue[][]) => Promise<void>, batchSize: number): Promise<SpillReplayResult> {
    const result: SpillReplayResult = { rows: 0, badLines: 0 };
    for (const file of this.#claim()) {
      const lines = readFileSync(file, 'utf8').split('\n');
      let batch: PgValue[][] = [];
      for (const line of lines) {
        if (line === '') continue;
        let row: unknown;
        try {
          row = JSON.parse(line);
        } catch {
          result.badLines += 1;
          continue;
        }
        if (!Array.isArray(row)) {
          result.badLines += 1;
          continue;
        }
        batch.push(row as PgValue[]);
        if (batch.length >= batchSize) {
          await insert(batch);
          result.rows += batch.length;
          batch = [];
        }
      }
      if (batch.length) {
        await insert(batch);
        result.rows += batch.length;
      }
      unlinkSync(file);
    }
    this.#foreign = false;
    return result;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Renames every file this process may replay to a name claimed by it, and returns those names. */
  #claim(): string[] {
    const out: string[] = [];
    // Our own active file: close it so the next spill starts a fresh one.
    if (this.#activeRows > 0 || this.#fd !== undefined) {
      this.close();
      this.#activeRows = 0;
    }
    for (const name of this.#claimable()) {
      const m = ACTIVE_RE.exec(name);
      const from = join(this.dir, name);
      if (m) {
        this.#seq += 1;
        const to = join(this.dir, `spill-${m[1]}-${Date.now()}${this.#seq}.jsonl.replaying-${this.#pid}`);
        try {
          renameSync(from, to);
          out.push(to);
        } catch {
          // Another process claimed it first.
        }
      } else {
        // Already claimed by us (an earlier replay failed) or by a process that is gone.
        const c = CLAIMED_RE.exec(name);
        if (!c) continue;
        if (Number(c[3]) === this.#pid) out.push(from);
        else {
          const to = `${from.slice(0, from.lastIndexOf('.replaying-'))}.replaying-${this.#pid}`;
          try {
            renameSync(from, to);
            out.push(to);
          } catch {
            // Taken by another process.
          }
        }
      }
    }
    return out.sort();
  }

  /** Files in the directory that are ours or belong to a process that no longer runs. */
  #claimable(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((name) => {
      const a = ACTIVE_RE.exec(name);
      if (a) return Number(a[1]) === this.#pid || !alive(Number(a[1]));
      const c = CLAIMED_RE.exec(name);
      if (c) return Number(c[3]) === this.#pid || !alive(Number(c[3]));
      return false;
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
