/**
 * In-memory vector index for the semantic cache, partitioned by scope (only entries of the same model,
 * prompt and conversation may match, so a lookup searches one scope). Within a scope, vectors live in
 * inverted lists (IVF) that grow by splitting: a list that exceeds `maxListSize` is split in two by
 * 2-means, so there is no global training step and no pause when the cache fills. A search scores the
 * list centroids, scans the `nprobe` best lists exactly, and is exact whenever a scope has at most
 * `nprobe` lists. Eviction: LRU over the whole index (`maxEntries`) and an optional TTL.
 * Bulk loads (`addMany`, a new instance reading the shared log) build a scope's lists once, top down, by
 * the same 2-means bisection, instead of scoring every list's centroid for each entry: the lists come out
 * the same kind (at most `maxListSize`, split by 2-means), at a fraction of the CPU.
 */
import { dot } from './embedder.js';

export interface VectorIndexOptions {
  dims: number;
  /** Most entries over all scopes; the least recently used are evicted. Default 100_000. */
  maxEntries?: number;
  /** Entries older than this are never returned and are dropped. Default: no TTL. */
  ttlMs?: number;
  /** A list with more vectors than this is split. Default 256. */
  maxListSize?: number;
  /** Lists scanned per search. Default 24. */
  nprobe?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface SearchHit {
  id: string;
  score: number;
}

export type EvictReason = 'lru' | 'ttl' | 'replaced';

interface Entry {
  id: string;
  scope: Scope;
  list: List;
  pos: number;
  expiresAt: number;
}

interface List {
  /** Running sum of the member vectors; the centroid (its direction) is row `slot` of scope.centroids. */
  sum: Float32Array;
  slot: number;
  vecs: Float32Array;
  entries: Entry[];
  /** Do not try to split again before the list reaches this size (a split that failed). */
  splitAt: number;
}

interface Scope {
  key: string;
  lists: List[];
  /** Centroids of `lists`, packed row by row so that scoring them is one pass over memory. */
  centroids: Float32Array;
  size: number;
}

export class VectorIndex {
  readonly dims: number;
  private readonly maxEntries: number;
  private readonly ttlMs: number | undefined;
  private readonly maxListSize: number;
  private readonly nprobe: number;
  private readonly now: () => number;
  private readonly scopes = new Map<string, Scope>();
  /** Insertion order = recency order (oldest first); `touch` moves an entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private readonly evictListeners: Array<(id: string, reason: EvictReason) => void> = [];

  constructor(opts: VectorIndexOptions) {
    this.dims = opts.dims;
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.ttlMs = opts.ttlMs;
    this.maxListSize = Math.max(8, opts.maxListSize ?? 256);
    this.nprobe = Math.max(1, opts.nprobe ?? 24);
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get scopeCount(): number {
    return this.scopes.size;
  }

  /** Number of inverted lists in a scope (for benchmarks and tests). */
  listCount(scopeKey: string): number {
    return this.scopes.get(scopeKey)?.lists.length ?? 0;
  }

  /** Called for every entry that leaves the index other than by `remove` (so owners can drop payloads). */
  onEvict(listener: (id: string, reason: EvictReason) => void): void {
    this.evictListeners.push(listener);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Adds or replaces `id`. The vector must be L2-normalised and `dims` long. */
  add(scopeKey: string, id: string, vector: Float32Array): void {
    if (vector.length !== this.dims) {
      throw new RangeError(`vector has ${vector.length} dimensions, the index ${this.dims}`);
    }
    this.addOne(scopeKey, id, vector);
    this.evictOverflow();
  }

  private addOne(scopeKey: string, id: string, vector: Float32Array): void {
    if (this.entries.has(id)) {
      this.detach(this.entries.get(id)!);
      this.entries.delete(id);
      this.emit(id, 'replaced');
    }
    let scope = this.scopes.get(scopeKey);
    if (scope === undefined) {
      scope = { key: scopeKey, lists: [], centroids: new Float32Array(4 * this.dims), size: 0 };
      this.scopes.set(scopeKey, scope);
    }
    const list = this.nearestList(scope, vector) ?? this.newList(scope);
    const entry: Entry = {
      id,
      scope,
      list,
      pos: 0,
      expiresAt: this.ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + this.ttlMs,
    };
    this.append(list, entry, vector);
    scope.size++;
    this.entries.set(id, entry);
    if (list.entries.length > this.maxListSize && list.entries.length >= list.splitAt)
      this.split(scope, list);
  }

  /**
   * Rebuilds scope `key` from its current entries and `items` (new ids, or ids to replace), the new ones
   * last in recency order: the vectors are bisected top down by 2-means until each part fits a list.
   */
  private rebuild(key: string, items: ReadonlyArray<{ id: string; vector: Float32Array }>): void {
    const dims = this.dims;
    for (const it of items) {
      const old = this.entries.get(it.id);
      if (old === undefined) continue;
      this.detach(old);
      this.entries.delete(it.id);
      this.emit(it.id, 'replaced');
    }
    const scope: Scope = this.scopes.get(key) ?? {
      key,
      lists: [],
      centroids: new Float32Array(4 * dims),
      size: 0,
    };
    this.scopes.set(key, scope);
    // Every member's vector in one packed array: the kept entries first, then the new ones.
    const members: Entry[] = [];
    const n = scope.size + items.length;
    const data = new Float32Array(n * dims);
    for (const list of scope.lists) {
      for (let r = 0; r < list.entries.length; r++) {
        data.set(list.vecs.subarray(r * dims, (r + 1) * dims), members.length * dims);
        members.push(list.entries[r]!);
      }
    }
    const expiresAt = this.ttlMs === undefined ? Number.POSITIVE_INFINITY : this.now() + this.ttlMs;
    for (const it of items) {
      data.set(it.vector, members.length * dims);
      const entry: Entry = { id: it.id, scope, list: undefined as unknown as List, pos: 0, expiresAt };
      members.push(entry);
      this.entries.set(it.id, entry);
    }
    scope.lists = [];
    scope.centroids = new Float32Array(Math.max(4, Math.ceil((2 * n) / this.maxListSize) + 4) * dims);
    scope.size = n;
    const rows = new Int32Array(n);
    for (let r = 0; r < n; r++) rows[r] = r;
    const stack: Int32Array[] = [rows];
    while (stack.length > 0) {
      const part = stack.pop()!;
      const halves = part.length > this.maxListSize ? bisect(data, dims, part) : null;
      if (halves !== null) {
        stack.push(halves[1], halves[0]);
        continue;
      }
      const list = this.newList(scope, part.length + 8);
      for (const r of part) this.append(list, members[r]!, data.subarray(r * dims, (r + 1) * dims), false);
      this.updateCentroid(scope, list);
      // A part that 2-means cannot divide (identical vectors) is tried again only at twice its size.
      if (part.length > this.maxListSize) list.splitAt = part.length * 2;
    }
  }

  /**
   * Adds many entries in order, as `add` would one by one (a later duplicate id replaces the earlier).
   * A scope that receives at least `2 × maxListSize` entries and no fewer than it already holds is
   * rebuilt in one pass (its current entries and the new ones, top-down bisection); other scopes get
   * the entries one by one. Cheaper than `add` per entry by the number of lists a scope has.
   */
  addMany(items: ReadonlyArray<{ scope: string; id: string; vector: Float32Array }>): void {
    for (const it of items)
      if (it.vector.length !== this.dims)
        throw new RangeError(`vector has ${it.vector.length} dimensions, the index ${this.dims}`);
    const last = new Map<string, number>();
    for (let i = 0; i < items.length; i++) last.set(items[i]!.id, i);
    const byScope = new Map<string, number[]>();
    for (let i = 0; i < items.length; i++) {
      if (last.get(items[i]!.id) !== i) continue;
      const k = items[i]!.scope;
      let rows = byScope.get(k);
      if (rows === undefined) {
        rows = [];
        byScope.set(k, rows);
      }
      rows.push(i);
    }
    for (const [key, rows] of byScope) {
      const held = this.scopes.get(key)?.size ?? 0;
      if (rows.length < 2 * this.maxListSize || rows.length < held) {
        for (const i of rows) this.addOne(key, items[i]!.id, items[i]!.vector);
      } else {
        this.rebuild(
          key,
          rows.map((i) => items[i]!),
        );
      }
    }
    this.evictOverflow();
  }

  /** Removes `id`; returns whether it was there. */
  remove(id: string): boolean {
    const e = this.entries.get(id);
    if (e === undefined) return false;
    this.detach(e);
    this.entries.delete(id);
    return true;
  }

  /** Marks `id` as recently used (call it when an entry is served). */
  touch(id: string): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    this.entries.delete(id);
    this.entries.set(id, e);
  }

  clear(): void {
    this.scopes.clear();
    this.entries.clear();
  }

  /**
   * The `k` best entries of the scope with score ≥ `minScore`, best first (approximate: the `nprobe`
   * lists nearest to the query are scanned; `nprobe` here overrides the index default).
   */
  search(
    scopeKey: string,
    vector: Float32Array,
    k: number,
    minScore: number,
    nprobe = this.nprobe,
  ): SearchHit[] {
    const scope = this.scopes.get(scopeKey);
    if (scope === undefined || k <= 0) return [];
    const lists = scope.lists.length > nprobe ? this.probe(scope, vector, Math.max(1, nprobe)) : scope.lists;
    return this.scan(lists, vector, k, minScore);
  }

  /** Same as `search`, but scans every list of the scope (the baseline for recall and latency). */
  searchExact(scopeKey: string, vector: Float32Array, k: number, minScore: number): SearchHit[] {
    const scope = this.scopes.get(scopeKey);
    if (scope === undefined || k <= 0) return [];
    return this.scan(scope.lists, vector, k, minScore);
  }

  /** Drops every expired entry now (searches skip them anyway). Returns how many were dropped. */
  sweep(): number {
    const now = this.now();
    let n = 0;
    for (const e of [...this.entries.values()]) {
      if (e.expiresAt <= now) {
        this.expire(e);
        n++;
      }
    }
    return n;
  }

  /** The `nprobe` lists whose centroids score highest against `q`. */
  private probe(scope: Scope, q: Float32Array, p: number): List[] {
    const dims = this.dims;
    const c = scope.centroids;
    const n = scope.lists.length;
    const topScore = new Float64Array(p).fill(Number.NEGATIVE_INFINITY);
    const topIdx = new Int32Array(p).fill(-1);
    for (let l = 0; l < n; l++) {
      const base = l * dims;
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < dims; i += 2) {
        s0 += c[base + i]! * q[i]!;
        s1 += c[base + i + 1]! * q[i + 1]!;
      }
      if (i < dims) s0 += c[base + i]! * q[i]!;
      const s = s0 + s1;
      if (s <= topScore[p - 1]!) continue;
      let at = p - 1;
      while (at > 0 && topScore[at - 1]! < s) {
        topScore[at] = topScore[at - 1]!;
        topIdx[at] = topIdx[at - 1]!;
        at--;
      }
      topScore[at] = s;
      topIdx[at] = l;
    }
    const out: List[] = [];
    for (let j = 0; j < p; j++) if (topIdx[j]! >= 0) out.push(scope.lists[topIdx[j]!]!);
    return out;
  }

  private scan(lists: readonly List[], q: Float32Array, k: number, minScore: number): SearchHit[] {
    const dims = this.dims;
    const now = this.now();
    const best: Array<{ e: Entry; score: number }> = [];
    let floor = minScore;
    const expired: Entry[] = [];
    for (const list of lists) {
      const vecs = list.vecs;
      const n = list.entries.length;
      for (let r = 0; r < n; r++) {
        const base = r * dims;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let i = 0;
        for (; i + 3 < dims; i += 4) {
          s0 += vecs[base + i]! * q[i]!;
          s1 += vecs[base + i + 1]! * q[i + 1]!;
          s2 += vecs[base + i + 2]! * q[i + 2]!;
          s3 += vecs[base + i + 3]! * q[i + 3]!;
        }
        for (; i < dims; i++) s0 += vecs[base + i]! * q[i]!;
        const score = s0 + s1 + s2 + s3;
        if (score < floor) continue;
        const e = list.entries[r]!;
        if (e.expiresAt <= now) {
          expired.push(e);
          continue;
        }
        let at = best.length;
        while (at > 0 && best[at - 1]!.score < score) at--;
        best.splice(at, 0, { e, score });
        if (best.length > k) best.pop();
        if (best.length === k) floor = Math.max(minScore, best[k - 1]!.score);
      }
    }
    for (const e of expired) this.expire(e);
    return best.map(({ e, score }) => ({ id: e.id, score }));
  }

  private expire(e: Entry): void {
    if (this.entries.get(e.id) !== e) return;
    this.detach(e);
    this.entries.delete(e.id);
    this.emit(e.id, 'ttl');
  }

  private evictOverflow(): void {
    const now = this.now();
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.values().next().value as Entry;
      this.detach(oldest);
      this.entries.delete(oldest.id);
      this.emit(oldest.id, oldest.expiresAt <= now ? 'ttl' : 'lru');
    }
  }

  private emit(id: string, reason: EvictReason): void {
    for (const l of this.evictListeners) l(id, reason);
  }

  private newList(scope: Scope, capacity = 16): List {
    const list: List = {
      sum: new Float32Array(this.dims),
      slot: scope.lists.length,
      vecs: new Float32Array(capacity * this.dims),
      entries: [],
      splitAt: 0,
    };
    scope.lists.push(list);
    if (scope.lists.length * this.dims > scope.centroids.length) {
      const grown = new Float32Array(scope.lists.length * 2 * this.dims);
      grown.set(scope.centroids);
      scope.centroids = grown;
    }
    scope.centroids.fill(0, list.slot * this.dims, (list.slot + 1) * this.dims);
    return list;
  }

  private dropList(scope: Scope, list: List): void {
    const dims = this.dims;
    const last = scope.lists.length - 1;
    if (list.slot !== last) {
      const moved = scope.lists[last]!;
      scope.centroids.copyWithin(list.slot * dims, last * dims, (last + 1) * dims);
      scope.lists[list.slot] = moved;
      moved.slot = list.slot;
    }
    scope.lists.pop();
  }

  private nearestList(scope: Scope, v: Float32Array): List | undefined {
    const dims = this.dims;
    const c = scope.centroids;
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < scope.lists.length; l++) {
      const s = dotAt(c, l * dims, v, dims);
      if (s > bestScore) {
        bestScore = s;
        best = l;
      }
    }
    return best < 0 ? undefined : scope.lists[best];
  }

  private centroidOf(scope: Scope, list: List): Float32Array {
    return scope.centroids.subarray(list.slot * this.dims, (list.slot + 1) * this.dims);
  }

  private append(list: List, entry: Entry, v: Float32Array, centroid = true): void {
    const dims = this.dims;
    const n = list.entries.length;
    if ((n + 1) * dims > list.vecs.length) {
      const grown = new Float32Array(Math.max(16, n * 2) * dims);
      grown.set(list.vecs.subarray(0, n * dims));
      list.vecs = grown;
    }
    list.vecs.set(v, n * dims);
    entry.list = list;
    entry.pos = n;
    list.entries.push(entry);
    for (let i = 0; i < dims; i++) list.sum[i] = list.sum[i]! + v[i]!;
    if (centroid) this.updateCentroid(entry.scope, list);
  }

  private detach(e: Entry): void {
    const list = e.list;
    const dims = this.dims;
    const last = list.entries.length - 1;
    const base = e.pos * dims;
    for (let i = 0; i < dims; i++) list.sum[i] = list.sum[i]! - list.vecs[base + i]!;
    if (e.pos !== last) {
      list.vecs.copyWithin(base, last * dims, (last + 1) * dims);
      const moved = list.entries[last]!;
      list.entries[e.pos] = moved;
      moved.pos = e.pos;
    }
    list.entries.pop();
    const scope = e.scope;
    scope.size--;
    if (list.entries.length === 0) {
      this.dropList(scope, list);
      if (scope.lists.length === 0) this.scopes.delete(scope.key);
    } else {
      this.updateCentroid(scope, list);
    }
  }

  private updateCentroid(scope: Scope, list: List): void {
    normalizeInto(list.sum, this.centroidOf(scope, list));
  }

  /** Splits a full list in two with a few rounds of spherical 2-means. */
  private split(scope: Scope, list: List): void {
    const dims = this.dims;
    const n = list.entries.length;
    const row = (r: number) => list.vecs.subarray(r * dims, (r + 1) * dims);
    // seeds: the member farthest from the centroid, then the member farthest from that one
    let a = 0;
    let worst = Number.POSITIVE_INFINITY;
    for (let r = 0; r < n; r++) {
      const s = dot(row(r), this.centroidOf(scope, list));
      if (s < worst) {
        worst = s;
        a = r;
      }
    }
    let b = a;
    worst = Number.POSITIVE_INFINITY;
    for (let r = 0; r < n; r++) {
      const s = dot(row(r), row(a));
      if (s < worst) {
        worst = s;
        b = r;
      }
    }
    const ca = Float32Array.from(row(a));
    const cb = Float32Array.from(row(b));
    const side = new Uint8Array(n);
    for (let iter = 0; iter < 5; iter++) {
      const sa = new Float32Array(dims);
      const sb = new Float32Array(dims);
      let na = 0;
      for (let r = 0; r < n; r++) {
        const v = row(r);
        const toB = dot(v, cb) > dot(v, ca);
        side[r] = toB ? 1 : 0;
        const acc = toB ? sb : sa;
        for (let i = 0; i < dims; i++) acc[i] = acc[i]! + v[i]!;
        if (!toB) na++;
      }
      if (na === 0 || na === n) break;
      normalizeInto(sa, ca);
      normalizeInto(sb, cb);
    }
    let na = 0;
    for (let r = 0; r < n; r++) if (side[r] === 0) na++;
    if (na === 0 || na === n) {
      list.splitAt = n * 2;
      return;
    }
    const left = this.newList(scope, na + 8);
    const right = this.newList(scope, n - na + 8);
    const members = list.entries.slice();
    const vecs = list.vecs;
    this.dropList(scope, list);
    for (let r = 0; r < n; r++) {
      this.append(side[r] === 0 ? left : right, members[r]!, vecs.subarray(r * dims, (r + 1) * dims));
    }
  }
}

/**
 * Divides the rows `part` of `data` in two by spherical 2-means (the same seeding and five rounds as a
 * list split); null when every row falls on one side (e.g. identical vectors).
 */
function bisect(data: Float32Array, dims: number, part: Int32Array): [Int32Array, Int32Array] | null {
  const n = part.length;
  // A large part trains its two centroids on an evenly spaced sample, then assigns every row once.
  const train = n > 2 * BISECT_SAMPLE ? sampleOf(part, BISECT_SAMPLE) : part;
  const m = train.length;
  const sum = new Float32Array(dims);
  for (let j = 0; j < m; j++) {
    const base = train[j]! * dims;
    for (let i = 0; i < dims; i++) sum[i] = sum[i]! + data[base + i]!;
  }
  const centre = new Float32Array(dims);
  normalizeInto(sum, centre);
  // seeds: the member farthest from the centroid, then the member farthest from that one
  let a = train[0]!;
  let worst = Number.POSITIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    const s = dotAt(data, train[j]! * dims, centre, dims);
    if (s < worst) {
      worst = s;
      a = train[j]!;
    }
  }
  const ca = data.slice(a * dims, (a + 1) * dims);
  let b = a;
  worst = Number.POSITIVE_INFINITY;
  for (let j = 0; j < m; j++) {
    const s = dotAt(data, train[j]! * dims, ca, dims);
    if (s < worst) {
      worst = s;
      b = train[j]!;
    }
  }
  const cb = data.slice(b * dims, (b + 1) * dims);
  for (let iter = 0; iter < 5; iter++) {
    const sa = new Float32Array(dims);
    const sb = new Float32Array(dims);
    let na = 0;
    for (let j = 0; j < m; j++) {
      const base = train[j]! * dims;
      const toB = dotAt(data, base, cb, dims) > dotAt(data, base, ca, dims);
      const acc = toB ? sb : sa;
      for (let i = 0; i < dims; i++) acc[i] = acc[i]! + data[base + i]!;
      if (!toB) na++;
    }
    if (na === 0 || na === m) return null;
    normalizeInto(sa, ca);
    normalizeInto(sb, cb);
  }
  const side = new Uint8Array(n);
  let na = 0;
  for (let j = 0; j < n; j++) {
    const base = part[j]! * dims;
    const toB = dotAt(data, base, cb, dims) > dotAt(data, base, ca, dims);
    side[j] = toB ? 1 : 0;
    if (!toB) na++;
  }
  if (na === 0 || na === n) return null;
  const left = new Int32Array(na);
  const right = new Int32Array(n - na);
  let l = 0;
  let r = 0;
  for (let j = 0; j < n; j++) {
    if (side[j] === 0) left[l++] = part[j]!;
    else right[r++] = part[j]!;
  }
  return [left, right];
}

/** Rows used to train a bisection of a part larger than twice this. */
const BISECT_SAMPLE = 256;

/** `k` rows of `part`, evenly spaced. */
function sampleOf(part: Int32Array, k: number): Int32Array {
  const out = new Int32Array(k);
  const step = part.length / k;
  for (let j = 0; j < k; j++) out[j] = part[Math.floor(j * step)]!;
  return out;
}

function normalizeInto(src: Float32Array, dst: Float32Array): void {
  let s = 0;
  for (let i = 0; i < src.length; i++) s += src[i]! * src[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < src.length; i++) dst[i] = src[i]! * inv;
}

/** `row` (the `dims` floats of `m` from `base`) · `v`, with four independent sums (about 3× one chain). */
function dotAt(m: Float32Array, base: number, v: Float32Array, dims: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dims; i += 4) {
    s0 += m[base + i]! * v[i]!;
    s1 += m[base + i + 1]! * v[i + 1]!;
    s2 += m[base + i + 2]! * v[i + 2]!;
    s3 += m[base + i + 3]! * v[i + 3]!;
  }
  for (; i < dims; i++) s0 += m[base + i]! * v[i]!;
  return s0 + s1 + s2 + s3;
}
