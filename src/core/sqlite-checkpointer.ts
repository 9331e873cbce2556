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
 * The thread costs ~9 MB of RSS (a V8 isolate), so it runs only while a WAL is busy: the main thread looks
 * at each watched WAL every `probeMs` (one pread of its wal-index header) and starts the thread when one is
 * half way to its threshold or was started over since the last look (an inline checkpoint just ran); the
 * thread stops, and the writers get their inline checkpoint back, after `idleStopMs` with no WAL growing.
 * A quiet gateway, or a CLI command, never starts it.
 *
 * A store calls `watch` after opening its file and may call `unwatch` before closing it; a connection closed
 * without `unwatch` is noticed by the timer (`db.open`) and dropped.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type {
  CheckpointWorkerData,
  FromCheckpointWorker,
  ToCheckpointWorker,
} from './sqlite-checkpoint-worker.js';
import { messageOf } from './errors.js';
import { WalIndexReader } from './sqlite-wal-index.js';

export interface SqliteCheckpointerOptions {
  /** false: `watch` changes nothing, SQLite checkpoints inline as it does by default (default true). */
  enabled?: boolean;
  /** How often the worker looks at each WAL, ms (default 100). */
  intervalMs?: number;
  /** A WAL unchanged this long with frames not yet copied back is checkpointed, ms (default 1000). */
  idleMs?: number;
  /** The worker's heartbeat, ms (default 1000); three missed and the worker is given up. */
  beatMs?: number;
  /**
   * While the thread is not running, how often the main thread looks at the watched WALs (one pread each) to
   * start it; also the watchdog's period (default 500 ms).
   */
  probeMs?: number;
  /** The thread stops after this long with no WAL growing and no checkpoint, ms (default 30,000). */
  idleStopMs?: number;
  /** A WAL this many times its threshold is checkpointed inline by the writer until it is back under (default 4). */
  hardCapFactor?: number;
  /** Where a fallback is reported (default: a process warning). */
  onFallback?: (message: string) => void;
  /** Starts the worker thread (default `startCheckpointWorker`); tests wrap it to hold the thread. */
  startWorker?: (data: CheckpointWorkerData) => Worker;
}

export interface SqliteCheckpointerStats {
  /** Files registered with `watch` (open, not sent back to the inline checkpoint for good). */
  watched: number;
  /** Whether the thread runs (it starts at the first busy WAL and stops when every WAL is quiet). */
  running: boolean;
  /** Files over their hard cap, checkpointed inline until they are back under it. */
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
  wal: WalIndexReader;
  /** The writer's `wal_autocheckpoint` before `watch`; restored whenever the thread does not run. */
  threshold: number;
  synchronous: number;
  /** The thread checkpoints it (the writer's automatic checkpoint is off). */
  active: boolean;
  overCap: boolean;
  walFrames: number;
  /** mxFrame at the last probe while the thread was not running (-1: none yet). */
  probed: number;
}

const WORKER_YOUNG_GENERATION_MB = 1;
const WORKER_OLD_GENERATION_MB = 16;

type Timing = Required<Omit<SqliteCheckpointerOptions, 'onFallback' | 'startWorker' | 'enabled'>>;

export class SqliteCheckpointer {
  readonly #opts: Timing;
  readonly #enabled: boolean;
  readonly #onFallback: (message: string) => void;
  readonly #startWorker: (data: CheckpointWorkerData) => Worker;
  #worker: Worker | null = null;
  #broken = false;
  #nextId = 1;
  readonly #files = new Map<number, Watched>();
  /** Probe (thread not running) and watchdog (thread running), every `probeMs` while files are watched. */
  #timer: NodeJS.Timeout | null = null;
  /** Timer runs in a row without a message from the worker, and when the last one came. */
  #silent = 0;
  #heardAt = 0;
  /** When a beat last showed a WAL growing or a checkpoint run. */
  #activeAt = 0;
  #nextReq = 1;
  readonly #syncs = new Map<number, (s: SqliteCheckpointerStats) => void>();
  #stats = { checkpoints: 0, framesCopied: 0, errors: 0, maxWalFrames: 0, fallbacks: 0 };
  /** The running worker's own counts at its last message. */
  #workerCounts = { checkpoints: 0, framesCopied: 0, errors: 0 };

  constructor(opts: SqliteCheckpointerOptions = {}) {
    this.#opts = {
      intervalMs: opts.intervalMs ?? 100,
      idleMs: opts.idleMs ?? 1000,
      beatMs: opts.beatMs ?? 1000,
      probeMs: opts.probeMs ?? 500,
      idleStopMs: opts.idleStopMs ?? 30_000,
      hardCapFactor: opts.hardCapFactor ?? 4,
    };
    this.#onFallback =
      opts.onFallback ?? ((m) => process.emitWarning(m, { code: 'PENNY_SQLITE_CHECKPOINT' }));
    this.#startWorker = opts.startWorker ?? startCheckpointWorker;
    this.#enabled = opts.enabled ?? true;
  }

  /**
   * Registers `db` (a file written on the request side): once its WAL gets busy the thread takes over its
   * checkpoints. Nothing changes for an in-memory database, a file not in WAL mode, a connection whose
   * automatic checkpoint is already off, or once the worker is lost.
   */
  watch(db: Database.Database, path: string): void {
    if (!this.#enabled || this.#broken || path === '' || path === ':memory:' || db.memory) return;
    if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return;
    const threshold = Number(db.pragma('wal_autocheckpoint', { simple: true }));
    if (!(threshold > 0)) return;
    const full = resolve(path);
    const f: Watched = {
      id: this.#nextId++,
      db,
      path: full,
      wal: new WalIndexReader(full),
      threshold,
      synchronous: Number(db.pragma('synchronous', { simple: true })),
      active: false,
      overCap: false,
      walFrames: 0,
      probed: -1,
    };
    this.#files.set(f.id, f);
    if (this.#worker !== null) this.#activate(f);
    this.#ensureTimer();
  }

  /** Stops watching `db` (before it is closed); its checkpoints are inline again if it stays open. */
  unwatch(db: Database.Database): void {
    for (const f of [...this.#files.values()]) if (f.db === db) this.#drop(f);
    this.#stopIfEmpty();
  }

  /** Whether `db` is registered (its checkpoints go to the thread whenever the thread runs). */
  watching(db: Database.Database): boolean {
    for (const f of this.#files.values()) if (f.db === db) return true;
    return false;
  }

  /** Starts the thread now rather than at the first busy WAL. */
  start(): void {
    if (this.#files.size > 0) this.#wake();
  }

  stats(): SqliteCheckpointerStats {
    let overCap = 0;
    for (const f of this.#files.values()) if (f.overCap) overCap++;
    return {
      watched: this.#files.size,
      running: this.#worker !== null,
      overCap,
      broken: this.#broken,
      ...this.#stats,
    };
  }

  /**
   * Looks at every WAL now (starting the thread if one is busy) and has the thread check every file;
   * resolves with the stats after its answer (at once when the thread does not run).
   */
  sync(): Promise<SqliteCheckpointerStats> {
    this.#probe();
    const w = this.#worker;
    if (w === null) return Promise.resolve(this.stats());
    const req = this.#nextReq++;
    return new Promise((done) => {
      this.#syncs.set(req, done);
      w.ref(); // an awaited answer keeps the process alive
      this.#post({ t: 'tick', req });
    });
  }

  /** Stops the thread and forgets every file (each still open goes back to the inline checkpoint). */
  async stop(): Promise<void> {
    const w = this.#worker;
    this.#giveUp(null);
    if (w !== null) await w.terminate();
  }

  /** While the thread does not run: a WAL half way to its threshold, or started over since the last look, wakes it. */
  #probe(): void {
    for (const f of [...this.#files.values()]) if (!f.db.open) this.#drop(f);
    if (this.#stopIfEmpty() || this.#worker !== null) return;
    let busy = false;
    for (const f of this.#files.values()) {
      const h = f.wal.read();
      if (h === null) continue;
      if (h.mxFrame >= f.threshold / 2 || h.mxFrame < f.probed) busy = true;
      f.probed = h.mxFrame;
    }
    if (busy) this.#wake();
  }

  #wake(): void {
    if (this.#worker !== null || this.#broken) return;
    const w = this.#spawn();
    if (w === null) return;
    this.#activeAt = Date.now();
    for (const f of this.#files.values()) this.#activate(f);
  }

  #activate(f: Watched): void {
    if (f.active) return;
    f.active = true;
    this.#post({ t: 'watch', id: f.id, path: f.path, threshold: f.threshold, synchronous: f.synchronous });
    setAutocheckpoint(f.db, 0);
  }

  /** Every file back to its inline checkpoint and the thread stopped, until a WAL gets busy again. */
  #sleep(): void {
    const w = this.#worker;
    if (w === null) return;
    this.#worker = null;
    for (const f of this.#files.values()) {
      f.active = false;
      f.overCap = false;
      // The WAL as the thread leaves it: the probe then sees it grow, or start over, from here.
      f.probed = f.wal.read()?.mxFrame ?? -1;
      setAutocheckpoint(f.db, f.threshold);
    }
    // The thread closes its connections and ends; its exit is not a loss (it is no longer #worker).
    try {
      w.postMessage({ t: 'stop' } satisfies ToCheckpointWorker);
    } catch {
      void w.terminate();
    }
  }

  #spawn(): Worker | null {
    let w: Worker;
    try {
      w = this.#startWorker({
        intervalMs: this.#opts.intervalMs,
        idleMs: this.#opts.idleMs,
        beatMs: this.#opts.beatMs,
      });
    } catch (err) {
      this.#giveUp(`SQLite checkpoint thread could not start; checkpoints stay inline: ${messageOf(err)}`);
      return null;
    }
    w.unref();
    w.on('message', (m: FromCheckpointWorker) => {
      if (this.#worker === w) this.#onMessage(m);
    });
    w.on('error', (err) => this.#lost(w, `failed: ${messageOf(err)}`));
    w.on('exit', (code) => this.#lost(w, `exited (code ${code})`));
    this.#worker = w;
    this.#workerCounts = { checkpoints: 0, framesCopied: 0, errors: 0 };
    this.#silent = 0;
    this.#heardAt = Date.now();
    return w;
  }

  #ensureTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#onTimer(), this.#opts.probeMs);
    this.#timer.unref();
  }

  #onTimer(): void {
    if (this.#worker === null) {
      this.#probe();
      return;
    }
    for (const f of [...this.#files.values()]) if (!f.db.open) this.#drop(f);
    if (this.#stopIfEmpty()) return;
    this.#silent += 1;
    // Three runs without a word, and three heartbeats missed (a blocked event loop delays the worker's
    // messages and this timer alike, and the timer runs first when the loop resumes).
    if (this.#silent >= 3 && Date.now() - this.#heardAt >= 3 * this.#opts.beatMs) {
      const w = this.#worker;
      this.#giveUp('SQLite checkpoint thread stopped answering; checkpoints are inline again');
      void w.terminate();
    }
  }

  #onMessage(m: FromCheckpointWorker): void {
    this.#silent = 0;
    const now = Date.now();
    this.#heardAt = now;
    if (m.t === 'failed') {
      const f = this.#files.get(m.id);
      if (f === undefined) return;
      this.#stats.fallbacks += 1;
      // A file closed (and perhaps deleted) before the worker got to it is no failure worth a warning.
      if (f.db.open) this.#onFallback(`SQLite checkpoints of ${f.path} are inline again: ${m.message}`);
      f.active = false; // the worker has already let it go
      this.#drop(f);
      this.#stopIfEmpty();
      return;
    }
    // The worker counts from its start; the stats add up every worker's counts.
    const base = this.#workerCounts;
    let busy = m.checkpoints !== base.checkpoints;
    this.#stats.checkpoints += m.checkpoints - base.checkpoints;
    this.#stats.framesCopied += m.framesCopied - base.framesCopied;
    this.#stats.errors += m.errors - base.errors;
    this.#workerCounts = { checkpoints: m.checkpoints, framesCopied: m.framesCopied, errors: m.errors };
    for (const r of m.files) {
      const f = this.#files.get(r.id);
      if (f === undefined || !f.active) continue;
      if (r.walFrames !== f.walFrames) busy = true;
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
    if (busy) this.#activeAt = now;
    else if (now - this.#activeAt >= this.#opts.idleStopMs && this.#syncs.size === 0) this.#sleep();
  }

  #lost(w: Worker, why: string): void {
    if (this.#worker !== w) return; // a worker stopped on purpose
    this.#giveUp(`SQLite checkpoint thread ${why}; checkpoints are inline again`);
  }

  /** Every file back to the inline checkpoint and forgotten; with a message, for good (no thread again). */
  #giveUp(message: string | null): void {
    const had = this.#files.size;
    for (const f of [...this.#files.values()]) this.#drop(f);
    if (message !== null) this.#stats.fallbacks += had;
    this.#worker = null;
    this.#broken = message !== null;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const done of this.#syncs.values()) done(this.stats());
    this.#syncs.clear();
    if (message !== null && had > 0) this.#onFallback(message);
  }

  /** Forgets `f`, restoring its inline checkpoint if its connection is open. */
  #drop(f: Watched): void {
    this.#files.delete(f.id);
    f.wal.close();
    setAutocheckpoint(f.db, f.threshold);
    if (f.active) this.#post({ t: 'unwatch', id: f.id });
  }

  /** With nothing left to watch the thread and the timer go (a later `watch` brings them back). */
  #stopIfEmpty(): boolean {
    if (this.#files.size > 0 || this.#syncs.size > 0) return false;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    const w = this.#worker;
    this.#worker = null;
    if (w !== null) void w.terminate();
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
