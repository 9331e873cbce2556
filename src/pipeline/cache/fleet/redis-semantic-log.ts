/**
 * The semantic log as a Redis stream (`XADD … MAXLEN ~ maxEntries`): fields s (scope key), i (cache key),
 * t (text) and v (the vector's float32 bytes). Readers page through it with XRANGE from their last id, so
 * a new instance loads the whole log at start-up and then only what was added since.
 * Size: about 1.6 kB per entry at 384 dimensions (≈ 160 MB of Redis memory for 100k entries).
 */
import type { Redis } from 'ioredis';
import type { SemanticEntryRecord } from '../semantic/semantic-cache.js';
import type { SemanticLog, SemanticLogPage } from './semantic-log.js';

export class RedisSemanticLog implements SemanticLog {
  readonly kind = 'redis' as const;

  /** `client` is shared (not closed here); `key` is the stream's full name. */
  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly maxEntries = 100_000,
  ) {}

  async append(r: SemanticEntryRecord): Promise<void> {
    const v = Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength);
    await this.client.xadd(
      this.key,
      'MAXLEN',
      '~',
      this.maxEntries,
      '*',
      's',
      r.scope,
      'i',
      r.id,
      't',
      r.text,
      'v',
      v,
    );
  }

  async read(cursor: string, limit: number): Promise<SemanticLogPage> {
    const rows = await this.client.xrangeBuffer(
      this.key,
      cursor === '' ? '-' : `(${cursor}`,
      '+',
      'COUNT',
      limit,
    );
    const records: SemanticEntryRecord[] = [];
    for (const [, fields] of rows) {
      const f = new Map<string, Buffer>();
      for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!.toString(), fields[i + 1]!);
      const v = f.get('v');
      const s = f.get('s');
      const id = f.get('i');
      const t = f.get('t');
      if (!v || !s || !id || !t || v.byteLength % 4 !== 0) continue;
      // Copy into an aligned buffer: a Buffer slice may start at any byte offset.
      const vector = new Float32Array(v.byteLength / 4);
      new Uint8Array(vector.buffer).set(v);
      records.push({ scope: s.toString(), id: id.toString(), text: t.toString(), vector });
    }
    if (rows.length === 0) return { records, cursor };
    const last = rows[rows.length - 1]![0].toString();
    // A stream id is "<ms of the XADD>-<seq>": the append time of the page's newest record.
    const at = Number(last.slice(0, last.indexOf('-')));
    return { records, cursor: last, ...(Number.isFinite(at) && at > 0 ? { newestAt: at } : {}) };
  }

  async close(): Promise<void> {}
}
