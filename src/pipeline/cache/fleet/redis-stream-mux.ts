/**
 * The streaming followers of one process read their leaders' logs on one Redis connection: a single
 * XREAD BLOCK over every followed log (a blocking read holds its connection, so a connection per follower
 * would grow with the followers). Each follower's reader keeps its place and a buffer of what the shared
 * read brought it; its read resolves from the buffer, or with nothing once `blockMs` has passed and a shared
 * read sent after it began brought nothing for it — so an empty read means the log had nothing more when
 * that shared read was answered, as a read of one's own would. A reader that starts (or moves, or must
 * end sooner than the blocked shared read) wakes it with CLIENT UNBLOCK from the main connection.
 */
import type { Redis } from 'ioredis';
import type { StreamLogReader, StreamOp } from './flight-board.js';
import { opOf } from './redis-stream-fields.js';

/** The longest one shared read blocks: what a wake-up that misses costs a new follower at most. */
const BLOCK_MS = 1000;
/** Command timeout of the reader connection (the main connection's is far shorter than a blocking read). */
const READ_TIMEOUT_MS = 10_000;
/** After a failed shared read, the next one waits this long (the connection is down or reconnecting). */
const RETRY_MS = 100;
/** A reader whose wait ends this much sooner than the blocked shared read wakes it. */
const WAKE_SLACK_MS = 10;

type Entry = { id: string; op: StreamOp };
type RawEntries = Array<[string, string[]]>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether stream entry id `a` comes before `b` (ids are `<ms>-<seq>`, or `0`; decimal without leading zeros). */
export function idBefore(a: string, b: string): boolean {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  if (am !== bm) return am.length !== bm.length ? am.length < bm.length : am < bm;
  return as.length !== bs.length ? as.length < bs.length : as < bs;
}

export class StreamReadMux {
  private conn: Redis | undefined;
  private connId: number | undefined;
  private readonly readers = new Set<MuxReader>();
  private running = false;
  /** Generation of the shared read now blocked (0: none), and when its block ends. */
  private blocked = 0;
  private blockEnds = 0;
  /** Generation of the last shared read sent. */
  generation = 0;
  private waking = 0;
  private closed = false;

  /** `client` is the main connection (duplicated for the reads, used for CLIENT UNBLOCK). */
  constructor(
    private readonly client: Redis,
    private readonly keyOf: (log: string) => string,
  ) {}

  reader(): StreamLogReader {
    return new MuxReader(this);
  }

  /** A reader starts on a log, or moves: the shared read must include it from its place. */
  include(r: MuxReader): void {
    if (this.closed) return;
    this.readers.add(r);
    if (this.running) void this.wake();
    else void this.loop();
  }

  exclude(r: MuxReader): void {
    this.readers.delete(r);
  }

  /** A reader waits until `deadline`: the blocked shared read must end by then. */
  waits(deadline: number): void {
    if (this.blocked !== 0 && deadline < this.blockEnds - WAKE_SLACK_MS) void this.wake();
  }

  close(): void {
    this.closed = true;
    for (const r of this.readers) r.fail(new Error('stream reader closed'));
    this.readers.clear();
    this.conn?.disconnect();
    this.conn = undefined;
  }

  private connection(): Redis {
    if (!this.conn) {
      const conn = this.client.duplicate({
        enableOfflineQueue: true,
        lazyConnect: false,
        commandTimeout: READ_TIMEOUT_MS,
      });
      conn.on('error', () => {
        // A failed read is reported to the waiting followers, which then check the lease and result.
      });
      // A new connection has a new id: asked again before the next read.
      conn.on('close', () => {
        this.connId = undefined;
      });
      this.conn = conn;
    }
    return this.conn;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.readers.size > 0 && !this.closed) {
        const conn = this.connection();
        if (this.connId === undefined) {
          try {
            this.connId = Number(await conn.client('ID'));
          } catch (e) {
            for (const r of this.readers) r.fail(e as Error);
            await sleep(RETRY_MS);
            continue;
          }
          if (this.readers.size === 0 || this.closed) break;
        }
        // Each reader's place when the read is sent; per log, the earliest of its readers' places; the read
        // blocks until the earliest wait ends.
        const sent = new Map<MuxReader, number>();
        const from = new Map<string, string>();
        const now = Date.now();
        let block = BLOCK_MS;
        for (const r of this.readers) {
          sent.set(r, r.epoch);
          const key = this.keyOf(r.log);
          const f = from.get(key);
          if (f === undefined || idBefore(r.fetched, f)) from.set(key, r.fetched);
          if (r.deadline !== undefined) block = Math.min(block, Math.max(1, r.deadline - now));
        }
        const generation = ++this.generation;
        this.blocked = generation;
        this.blockEnds = now + block;
        let res: Array<[string, RawEntries]> | null;
        try {
          res = (await conn.xread('BLOCK', block, 'STREAMS', ...from.keys(), ...from.values())) as Array<
            [string, RawEntries]
          > | null;
        } catch (e) {
          this.blocked = 0;
          for (const r of sent.keys()) if (this.readers.has(r)) r.fail(e as Error);
          await sleep(RETRY_MS);
          continue;
        }
        this.blocked = 0;
        const got = new Map(res ?? []);
        const at = Date.now();
        for (const [r, epoch] of sent) {
          // A reader that moved meanwhile is read again from its new place.
          if (r.epoch !== epoch || !this.readers.has(r)) continue;
          const raw = got.get(this.keyOf(r.log));
          if (raw) r.bring(raw);
          r.settle(generation, at);
        }
        // The readers just answered ask again (a microtask away) before the next shared read is sent.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  /** Ends the blocked shared read early so the next one includes a new reader. */
  private async wake(): Promise<void> {
    const generation = this.blocked;
    if (generation === 0 || this.waking === generation || this.connId === undefined) return;
    this.waking = generation;
    const id = this.connId;
    for (let i = 0; i < 5 && this.blocked === generation; i++) {
      let n: number;
      try {
        n = Number(await this.client.client('UNBLOCK', id));
      } catch {
        return; // the main connection failed: the shared read ends at its timeout
      }
      if (n === 1) return;
      // 0: the read has not reached the server yet.
      await sleep(2 * (i + 1));
    }
  }
}

/** One follower's reader: its place in its log, what the shared read brought it, its pending read. */
class MuxReader implements StreamLogReader {
  log = '';
  /** The last id the shared read brought this reader. */
  fetched = '0';
  /** Bumped when the reader moves (another log, or another place). */
  epoch = 0;
  /** When the pending read may end empty (undefined: no read pending). */
  deadline: number | undefined;
  /** The last id handed to the caller ('' before the first read). */
  private handed = '';
  private buffer: Entry[] = [];
  private waiting: { resolve: (e: Entry[]) => void; reject: (e: Error) => void; since: number } | undefined;
  private closed = false;

  constructor(private readonly mux: StreamReadMux) {}

  read(log: string, after: string, blockMs: number): Promise<Entry[]> {
    if (this.closed) return Promise.reject(new Error('stream reader closed'));
    if (this.waiting) return Promise.reject(new Error('a stream reader reads one at a time'));
    const moved = log !== this.log || after !== this.handed;
    if (moved) {
      this.log = log;
      this.fetched = after;
      this.handed = after;
      this.buffer = [];
      this.epoch++;
    }
    if (this.buffer.length > 0) return Promise.resolve(this.take());
    const deadline = Date.now() + Math.max(1, blockMs);
    return new Promise((resolve, reject) => {
      // Only a shared read sent from now on can tell that the log has nothing more.
      this.waiting = { resolve, reject, since: this.mux.generation };
      this.deadline = deadline;
      if (moved) this.mux.include(this);
      else this.mux.waits(deadline);
    });
  }

  /** Entries of this reader's log from the shared read (some may be ones it already has). */
  bring(raw: RawEntries): void {
    for (const [id, fields] of raw) {
      if (!idBefore(this.fetched, id)) continue;
      this.fetched = id;
      const op = opOf(fields);
      if (op) this.buffer.push({ id, op });
    }
    if (this.waiting && this.buffer.length > 0) this.end().resolve(this.take());
  }

  /** After shared read `generation` was answered at `at`: a wait it covered that is over ends empty. */
  settle(generation: number, at: number): void {
    if (this.waiting && generation > this.waiting.since && this.deadline! <= at) this.end().resolve([]);
  }

  fail(e: Error): void {
    if (this.waiting) this.end().reject(e);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mux.exclude(this);
    this.buffer = [];
    this.fail(new Error('stream reader closed'));
  }

  private end(): { resolve: (e: Entry[]) => void; reject: (e: Error) => void } {
    const w = this.waiting!;
    this.waiting = undefined;
    this.deadline = undefined;
    return w;
  }

  private take(): Entry[] {
    const out = this.buffer;
    this.buffer = [];
    this.handed = out[out.length - 1]!.id;
    return out;
  }
}
