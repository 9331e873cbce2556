/**
 * The thread that checkpoints the WAL of the SQLite files the main thread writes (see sqlite-checkpointer.ts):
 * one connection of its own per file, a PASSIVE checkpoint when the WAL holds the file's threshold of frames
 * (the writer's old `wal_autocheckpoint`) or has stopped growing with frames not yet copied back. PASSIVE
 * never takes the writer's lock nor waits for it, so the main thread keeps committing while the frames are
 * copied and both fsyncs run here.
 *
 * How full the WAL is comes from the wal-index header (sqlite-wal-index.ts), one pread per file per tick —
 * no query, no lock. A header that cannot be read (torn, not initialised, no shm file) means a PASSIVE
 * checkpoint is simply tried, which answers the same numbers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { messageOf } from './errors.js';
import { type WalFill, WalIndexReader } from './sqlite-wal-index.js';

/** Main thread → worker. */
export type ToCheckpointWorker =
  | { t: 'watch'; id: number; path: string; threshold: number; synchronous: number }
  | { t: 'unwatch'; id: number }
  /** Check every file now and answer with a beat carrying `req`. */
  | { t: 'tick'; req: number }
  /** Close every connection and end the thread. */
  | { t: 'stop' };

/** Worker → main thread. */
export type FromCheckpointWorker =
  | {
      t: 'beat';
      req?: number;
      /** Frames in each file's WAL after this tick (mxFrame: it returns to 0 when the writer restarts it). */
      files: Array<{ id: number; walFrames: number }>;
      checkpoints: number;
      framesCopied: number;
      errors: number;
    }
  /** This file cannot be checkpointed here (open failed, or checkpoints keep failing): checkpoint it inline. */
  | { t: 'failed'; id: number; message: string };

export interface CheckpointWorkerData {
  intervalMs: number;
  /** A WAL unchanged this long with frames not yet copied back is checkpointed (ms). */
  idleMs: number;
  beatMs: number;
}

interface Watched {
  id: number;
  db: Database.Database;
  wal: WalIndexReader;
  threshold: number;
  /** Frames in the WAL at the last look (-1: not read yet). */
  frames: number;
  changedAt: number;
  failures: number;
}

/** Consecutive failed checkpoints after which a file goes back to the writer's inline checkpoint. */
const MAX_FAILURES = 5;
/** Checkpoints in a row while commits keep adding frames (see tickOne). */
const CATCH_UP_PASSES = 8;

const opts = workerData as CheckpointWorkerData;
const files = new Map<number, Watched>();
let checkpoints = 0;
let framesCopied = 0;
let errors = 0;
let lastBeat = 0;

function checkpoint(w: Watched): number | null {
  try {
    const r = w.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    checkpoints += 1;
    w.failures = 0;
    return r[0]?.log ?? null;
  } catch (err) {
    errors += 1;
    w.failures += 1;
    if (w.failures >= MAX_FAILURES) {
      drop(w);
      post({ t: 'failed', id: w.id, message: messageOf(err) });
    }
    return null;
  }
}

function tickOne(w: Watched, now: number): void {
  const h = w.wal.read();
  if (h === null) {
    const log = checkpoint(w);
    if (log !== null) w.frames = log;
    return;
  }
  if (h.mxFrame !== w.frames) {
    w.frames = h.mxFrame;
    w.changedAt = now;
  }
  if (h.mxFrame <= h.nBackfill) return;
  if (h.mxFrame < w.threshold && now - w.changedAt < opts.idleMs) return;
  // A checkpoint that a commit overlapped copies the frames it saw but cannot let the writer start the WAL
  // over (that needs every frame copied when the writer begins). The frames the commit added are few, so
  // checkpoint again at once: each pass is shorter, and one lands between two commits.
  let seen: WalFill = h;
  for (let pass = 0; pass < CATCH_UP_PASSES; pass++) {
    if (checkpoint(w) === null) return;
    framesCopied += seen.mxFrame - seen.nBackfill;
    const after = w.wal.read();
    if (after === null || after.mxFrame <= after.nBackfill || !files.has(w.id)) return;
    seen = after;
  }
}

/** Checks every file; posts a beat when asked (`req`) or when the last one is `beatMs` old. */
function tick(req?: number): void {
  const now = Date.now();
  for (const w of [...files.values()]) tickOne(w, now);
  if (req === undefined && now - lastBeat < opts.beatMs) return;
  lastBeat = now;
  const report: Array<{ id: number; walFrames: number }> = [];
  for (const w of files.values()) report.push({ id: w.id, walFrames: Math.max(0, w.frames) });
  post({
    t: 'beat',
    ...(req === undefined ? {} : { req }),
    files: report,
    checkpoints,
    framesCopied,
    errors,
  });
}

function drop(w: Watched): void {
  files.delete(w.id);
  w.wal.close();
  try {
    // If this is the file's last connection, SQLite checkpoints and removes the WAL here, off the main thread.
    w.db.close();
  } catch {}
}

function post(m: FromCheckpointWorker): void {
  parentPort?.postMessage(m);
}

parentPort?.on('message', (m: ToCheckpointWorker) => {
  if (m.t === 'tick') return tick(m.req);
  if (m.t === 'stop') {
    for (const w of [...files.values()]) drop(w);
    process.exit(0);
  }
  if (m.t === 'unwatch') {
    const w = files.get(m.id);
    if (w !== undefined) drop(w);
    return;
  }
  let db: Database.Database;
  try {
    db = new Database(m.path, { fileMustExist: true, timeout: 0 });
    // The same durability as the writer's own connection: its checkpoints fsync the WAL and the database.
    db.pragma(`synchronous = ${m.synchronous}`);
    db.pragma('wal_autocheckpoint = 0');
  } catch (err) {
    post({ t: 'failed', id: m.id, message: messageOf(err) });
    return;
  }
  files.set(m.id, {
    id: m.id,
    db,
    wal: new WalIndexReader(m.path),
    threshold: m.threshold,
    frames: -1,
    changedAt: Date.now(),
    failures: 0,
  });
});

setInterval(() => tick(), opts.intervalMs);
