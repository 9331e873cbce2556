/**
 * Refresh-ahead values (refresh-ahead.ts): never served older than maxAgeMs, re-read in the background past
 * half of it (so steady traffic never waits), awaited when too old, and a failed re-read does not extend the
 * age of what is served.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RefreshAhead } from './refresh-ahead.js';

/** A store whose value the test changes, counting reads; reads resolve when the test lets them. */
function fakeStore<T>(initial: T) {
  const s = {
    value: initial,
    reads: 0,
    fail: false,
    waiting: [] as Array<() => void>,
    /** Reads answer at once unless held. */
    hold: false,
    read: (): Promise<T> => {
      s.reads++;
      const v = s.value;
      const fail = s.fail;
      const answer = (resolve: (v: T) => void, reject: (e: unknown) => void) =>
        fail ? reject(new Error('store down')) : resolve(v);
      return new Promise<T>((resolve, reject) => {
        if (s.hold) s.waiting.push(() => answer(resolve, reject));
        else answer(resolve, reject);
      });
    },
  };
  return s;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('refresh-ahead value', () => {
  test('the first get reads; then it is served from memory without a read while young', async () => {
    let now = 1000;
    const store = fakeStore('a');
    const v = new RefreshAhead(store.read, 1000, undefined, () => now);
    assert.equal(v.current(), null);
    assert.ok(v.get() instanceof Promise);
    assert.equal(await v.get(), 'a');
    assert.equal(store.reads, 1);
    now += 499;
    assert.equal(v.get(), 'a'); // a value, not a promise: no wait
    assert.equal(store.reads, 1);
  });

  test('past half its age: served at once, and one background read brings the change in', async () => {
    let now = 0;
    const store = fakeStore('old');
    const v = new RefreshAhead(store.read, 1000, undefined, () => now);
    await v.get();
    store.value = 'new';
    now = 600;
    assert.equal(v.get(), 'old'); // served without waiting…
    assert.equal(v.get(), 'old');
    assert.equal(store.reads, 2); // …and re-read once in the background, not once per get
    await tick();
    assert.equal(v.get(), 'new');
    // The new value's age counts from its read (at 600): young again until 1100.
    now = 1050;
    assert.equal(v.get(), 'new');
    assert.equal(store.reads, 2);
  });

  test('never served older than maxAgeMs: past it, get waits for the store', async () => {
    let now = 0;
    const store = fakeStore('granted');
    const v = new RefreshAhead(store.read, 1000, undefined, () => now);
    await v.get();
    store.value = 'revoked';
    now = 1000; // idle traffic: no background read happened
    assert.equal(v.current(), null);
    const got = v.get();
    assert.ok(got instanceof Promise);
    assert.equal(await got, 'revoked');
  });

  test('a read in flight for longer than maxAgeMs is not joined, and its late answer does not win', async () => {
    let now = 0;
    const store = fakeStore('a');
    const v = new RefreshAhead(store.read, 1000, undefined, () => now);
    await v.get();
    store.hold = true;
    now = 700;
    assert.equal(v.get(), 'a'); // starts a background read (of 'a'), which hangs
    store.value = 'b';
    now = 1800;
    const got = v.get();
    assert.ok(got instanceof Promise, 'too old: must wait');
    assert.equal(store.reads, 3, 'a new read, not the one started at 700');
    const [stale, fresh] = store.waiting.splice(0);
    fresh!();
    assert.equal(await got, 'b');
    stale!(); // the read started at 700 answers last
    await tick();
    assert.equal(v.get(), 'b');
  });

  test('a failed background read keeps the value only until maxAgeMs; then get rejects', async () => {
    let now = 0;
    const store = fakeStore('a');
    const errors: unknown[] = [];
    const v = new RefreshAhead(
      store.read,
      1000,
      (e) => errors.push(e),
      () => now,
    );
    await v.get();
    store.fail = true;
    now = 600;
    assert.equal(v.get(), 'a');
    await tick();
    assert.equal(errors.length, 1);
    now = 900;
    assert.equal(v.get(), 'a');
    await tick();
    now = 1000;
    await assert.rejects(Promise.resolve(v.get()), /store down/);
  });

  test('maxAgeMs 0: every get reads the store', async () => {
    const store = fakeStore(1);
    const v = new RefreshAhead(store.read, 0);
    assert.equal(await v.get(), 1);
    store.value = 2;
    assert.equal(await v.get(), 2);
    assert.equal(store.reads, 2);
  });
});
