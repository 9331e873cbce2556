/**
 * WAL checkpoints of the SQLite files written on the request side (ledger, exact-cache store, governance
 * counters), taken off the event loop. better-sqlite3 is synchronous and SQLite's automatic checkpoint runs
 * inside the commit that pushes the WAL past `wal_autocheckpoint` pages: copying ~1,000 pages back and two
 * fsyncs, a 3–40 ms stall of every request in flight, a few times per 10,000 requests (BENCHMARKS.md,
 * round 9). `watch(db, path)` turns that off on the writer's connection (`wal_autocheckpoint = 0`) and lets
 * one worker thread per process (sqlite-checkpoint-worker.ts), with its own connection to the file and the
 * writer's `synchronous` setting, run PASSIVE checkpoints: at the same WAL size the writer used, or once the
 * WAL stops growing. The writer keeps one small fsync, of the WAL header when it starts the WAL over.
 *
 * The WAL never grows without bound because of this: a file whose WAL passes `hardCapFactor` × its
 * threshold (the worker reports every second; PASSIVE checkpoints racing a writer that never pauses) goes
 * back to the inline checkpoint until it is below the threshold again; a file the worker cannot open or
 * checkpoint goes back for good; a worker that dies, or stays silent for three watchdog periods, sends
 * every file back for good (and the process keeps the inline checkpoint). Durability is SQLite's: a commit
 * is the same commit, a checkpoint interrupted by a kill is redone from the WAL at the next open.
 *
 * A store calls `watch` after opening its file and may call `unwatch` before closing it; a connection closed
 * without `unwatch` is noticed by the watchdog (`db.open`) and dropped.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type {
  CheckpointWorkerData,
  FromCheckpointWorker,
  ToCheckpointWorker,
} from './sqlite-checkpoint-worker.js';

export interface SqliteCheckpointerOptions {
  /** false: `watch` changes nothing, SQLite checkpoints inline as it does by default (default true). */
  enabled?: boolean;
  /** How often the worker looks at each WAL, ms (default 100). */
  intervalMs?: number;
  /** A WAL unchanged this long with frames not yet copied back is checkpointed, ms (default 1000). */
  idleMs?: number;
  /** The worker's heartbeat, ms (default 1000). */
  beatMs?: number;
  /** The watchdog's period, ms (default 2000): three periods without a heartbeat and the worker is given up. */
  watchdogMs?: number;
  /** A WAL this many times its threshold is checkpointed inline by the writer until it is back under (default 4). */
  hardCapFactor?: number;
  /** Where a fallback is reported (default: a process warning). */
  onFallback?: (message: string) => void;
  /** Starts the worker thread (default `startCheckpointWorker`); tests wrap it to hold the thread. */
  startWorker?: (data: CheckpointWorkerData) => Worker;
}

export interface SqliteCheckpointerStats {
  /** Files whose checkpoints the worker runs. */
  watched: number;
  /** Of those, files over their hard cap, checkpointed inline until they are back under it. */
  overCap: number;
  /** The worker died or was given up: every file checkpoints inline. */
  broken: boolean;
  checkpoints: number;
  framesCopied: number;
  /** Failed checkpoints in the worker. */
  errors: number;
  /** The largest WAL (frames) a heartbeat reported. */
  maxWalFrames: number;
  /** Times a file went back to the inline checkpoint (over its cap, failed, or the worker lost). */
  fallbacks: number;
}

interface Watched {
  id: number;
  db: Database.Database;
  path: string;
  /** The writer's `wal_autocheckpoint` before `watch`; restored on fallback. */
  threshold: number;
  overCap: boolean;
  walFrames: number;
}

const WORKER_YOUNG_GENERATION_MB = 1;
const WORKER_OLD_GENERATION_MB = 16;

export class SqliteCheckpointer {
  readonly #opts: Required<Omit<SqliteCheckpointerOptions, 'onFallback' | 'startWorker' | 'enabled'>>;
  readonly #enabled: boolean;
  readonly #onFallback: (message: string) => void;
  readonly #startWorker: (data: CheckpointWorkerData) => Worker;
  #worker: Worker | null = null;
  #broken = false;
  #nextId = 1;
  readonly #files = new Map<number, Watched>();
  #watchdog: NodeJS.Timeout | null = null;
  /** Watchdog periods in a row without a message from the worker, and when the last one came. */
  #silent = 0;
  #heardAt = 0;
  #nextReq = 1;
  readonly #syncs = new Map<number, (s: SqliteCheckpointerStats) => void>();
  #stats = { checkpoints: 0, framesCopied: 0, errors: 0, maxWalFrames: 0, fallbacks: 0 };

  constructor(opts: SqliteCheckpointerOptions = {}) {
    this.#opts = {
      intervalMs: opts.intervalMs ?? 100,
      idleMs: opts.idleMs ?? 1000,
      beatMs: opts.beatMs ?? 1000,
      watchdogMs: opts.watchdogMs ?? 2000,
      hardCapFactor: opts.hardCapFactor ?? 4,
    };
    this.#onFallback =
      opts.onFallback ?? ((m) => process.emitWarning(m, { code: 'PENNY_SQLITE_CHECKPOINT' }));
    this.#startWorker = opts.startWorker ?? startCheckpointWorker;
    this.#enabled = opts.enabled ?? true;
  }

  /**
   * Moves `db`'s checkpoints to the worker. Nothing changes for an in-memory database, a file not in WAL
   * mode, a connection whose automatic checkpoint is already off, or once the worker is lost.
   */
  watch(db: Database.Database, path: string): void {
    if (!this.#enabled || this.#broken || path === '' || path === ':memory:' || db.memory) return;
    if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return;
    const threshold = Number(db.pragma('wal_autocheckpoint', { simple: true }));
    if (!(threshold > 0)) return;
    const worker = this.#start();
    if (worker === null) return;
    const id = this.#nextId++;
    const synchronous = Number(db.pragma('synchronous', { simple: true }));
    this.#files.set(id, { id, db, path, threshold, overCap: false, walFrames: 0 });
    this.#post({ t: 'watch', id, path: resolve(path), threshold, synchronous });
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Stops watching `db` (before it is closed); its checkpoints are inline again if it stays open. */
  unwatch(db: Database.Database): void {
    for (const f of this.#files.values()) if (f.db === db) this.#drop(f, true);
    this.#stopIfIdle();
  }

  /** Whether the worker checkpoints `db`. */
  watching(db: Database.Database): boolean {
    for (const f of this.#files.values()) if (f.db === db) return true;
    return false;
  }

  stats(): SqliteCheckpointerStats {
    let overCap = 0;
    for (const f of this.#files.values()) if (f.overCap) overCap++;
    return { watched: this.#files.size, overCap, broken: this.#broken, ...this.#stats };
  }

  /** Has the worker look at every file now; resolves with the stats after its answer (or at once without a worker). */
  sync(): Promise<SqliteCheckpointerStats> {
    const w = this.#worker;
    if (w === null) return Promise.resolve(this.stats());
    const req = this.#nextReq++;
    return new Promise((done) => {
      this.#syncs.set(req, done);
      w.ref(); // an awaited answer keeps the process alive
      this.#post({ t: 'tick', req });
    });
  }

  /** Terminates the worker; every watched file that is still open goes back to the inline checkpoint. */
  async stop(): Promise<void> {
    const w = this.#worker;
    this.#giveUp(null);
    if (w !== null) await w.terminate();
  }

  #start(): Worker | null {
    if (this.#worker !== null) return this.#worker;
    let w: Worker;
    try {
      w = this.#startWorker({
        intervalMs: this.#opts.intervalMs,
        idleMs: this.#opts.idleMs,
        beatMs: this.#opts.beatMs,
      });
    } catch (err) {
      this.#broken = true;
      this.#onFallback(
        `SQLite checkpoint thread could not start; checkpoints stay inline: ${messageOf(err)}`,
      );
      return null;
    }
    w.unref();
    w.on('message', (m: FromCheckpointWorker) => this.#onMessage(m));
    w.on('error', (err) => this.#lost(w, `failed: ${messageOf(err)}`));
    w.on('exit', (code) => this.#lost(w, `exited (code ${code})`));
    this.#worker = w;
    this.#silent = 0;
    this.#heardAt = Date.now();
    this.#watchdog = setInterval(() => this.#watch(), this.#opts.watchdogMs);
    this.#watchdog.unref();
    return w;
  }

  #onMessage(m: FromCheckpointWorker): void {
    this.#silent = 0;
    this.#heardAt = Date.now();
    if (m.t === 'failed') {
      const f = this.#files.get(m.id);
      if (f === undefined) return;
      this.#stats.fallbacks += 1;
      // A file closed (and perhaps deleted) before the worker got to it is no failure worth a warning.
      if (f.db.open) this.#onFallback(`SQLite checkpoints of ${f.path} are inline again: ${m.message}`);
      this.#drop(f, false);
      this.#stopIfIdle();
      return;
    }
    this.#stats.checkpoints = m.checkpoints;
    this.#stats.framesCopied = m.framesCopied;
    this.#stats.errors = m.errors;
    for (const r of m.files) {
      const f = this.#files.get(r.id);
      if (f === undefined) continue;
      f.walFrames = r.walFrames;
      if (r.walFrames > this.#stats.maxWalFrames) this.#stats.maxWalFrames = r.walFrames;
      // Over the cap: the writer's next commit checkpoints inline (and so can start the WAL over).
      if (!f.overCap && r.walFrames > f.threshold * this.#opts.hardCapFactor) {
        if (setAutocheckpoint(f.db, f.threshold)) {
          f.overCap = true;
          this.#stats.fallbacks += 1;
        }
      } else if (f.overCap && r.walFrames <= f.threshold) {
        if (setAutocheckpoint(f.db, 0)) f.overCap = false;
      }
    }
    if (m.req !== undefined) {
      const done = this.#syncs.get(m.req);
      this.#syncs.delete(m.req);
      if (this.#syncs.size === 0) this.#worker?.unref();
      done?.(this.stats());
    }
  }

  /** Watchdog: drops closed connections; gives the worker up after three silent periods. */
  #watch(): void {
    for (const f of [...this.#files.values()]) if (!f.db.open) this.#drop(f, false);
    if (this.#stopIfIdle()) return;
    this.#silent += 1;
    // Three periods without a word, and three heartbeats missed (a blocked event loop delays the
    // worker's messages and this timer alike: it runs first when the loop resumes).
    if (this.#silent >= 3 && Date.now() - this.#heardAt >= 3 * this.#opts.beatMs) {
      const w = this.#worker;
      this.#giveUp('SQLite checkpoint thread stopped answering; checkpoints are inline again');
      void w?.terminate();
    }
  }

  #lost(w: Worker, why: string): void {
    if (this.#worker !== w) return; // a worker stopped on purpose
    this.#giveUp(`SQLite checkpoint thread ${why}; checkpoints are inline again`);
  }

  /** Every file back to the inline checkpoint, for good. */
  #giveUp(message: string | null): void {
    const had = this.#files.size;
    for (const f of [...this.#files.values()]) this.#drop(f, false);
    this.#stats.fallbacks += had;
    this.#worker = null;
    this.#broken = message !== null;
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
    for (const done of this.#syncs.values()) done(this.stats());
    this.#syncs.clear();
    if (message !== null && had > 0) this.#onFallback(message);
  }

  /** Forgets `f`, restoring its inline checkpoint if its connection is open. */
  #drop(f: Watched, tellWorker: boolean): void {
    this.#files.delete(f.id);
    setAutocheckpoint(f.db, f.threshold);
    if (tellWorker || !f.db.open) this.#post({ t: 'unwatch', id: f.id });
  }

  /** With nothing left to watch the worker goes (a later `watch` starts another). */
  #stopIfIdle(): boolean {
    if (this.#files.size > 0 || this.#syncs.size > 0 || this.#worker === null) return false;
    const w = this.#worker;
    this.#worker = null;
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
    void w.terminate();
    return true;
  }

  #post(m: ToCheckpointWorker): void {
    try {
      this.#worker?.postMessage(m);
    } catch {
      // A worker that is going away: its exit event sends the files back.
    }
  }
}

function setAutocheckpoint(db: Database.Database, pages: number): boolean {
  if (!db.open) return false;
  try {
    db.pragma(`wal_autocheckpoint = ${pages}`);
    return true;
  } catch {
    return false;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The checkpoint thread, with a small heap (it holds a few connections and numbers). */
export function startCheckpointWorker(workerData: CheckpointWorkerData): Worker {
  const resourceLimits = {
    maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
    maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB,
  };
  return typeScriptSource
    ? new Worker(tsxBootstrap(), { eval: true, workerData, resourceLimits })
    : new Worker(workerUrl, { workerData, resourceLimits });
}

/** The worker's module, next to this one: .js when built, .ts when run from source under tsx. */
const workerUrl = new URL(
  `./sqlite-checkpoint-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);
const typeScriptSource = workerUrl.pathname.endsWith('.ts');

/** Node 20 does not apply `--import tsx` to a worker's entry module: register tsx in it first. */
function tsxBootstrap(): string {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
}

/**
 * The process's checkpointer, shared by every SQLite store that writes on the request side. The thread
 * costs ~9 MB of RSS (a V8 isolate); `PENNY_SQLITE_CHECKPOINT=inline` keeps SQLite's own inline checkpoint
 * and no thread.
 */
export const sqliteCheckpointer = new SqliteCheckpointer({
  enabled: process.env.PENNY_SQLITE_CHECKPOINT !== 'inline',
});
