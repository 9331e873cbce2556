import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry } from '../../ledger/entry-fixtures.js';
import { MemoryLedger } from '../../ledger/memory-ledger.js';
import { adaptiveCapSchema } from './config.js';
import { FeatureStats, percentile } from './feature-stats.js';

const DAY = 86_400_000;

describe('adaptive caps from a synthetic ledger', () => {
  test('percentile is nearest-rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 0.99), 99);
    assert.equal(percentile(xs, 0.5), 50);
    assert.equal(percentile([], 0.99), 0);
  });

  test('cap = p99 × margin; backs off when capped answers are truncated, then is removed', async () => {
    let now = 10 * DAY;
    const ledger = new MemoryLedger();
    // 100 unshaped answers of 1..100 tokens, plus a shortcut answer and an error, which are ignored.
    for (let i = 1; i <= 100; i++) ledger.append(makeEntry({ feature: 'sum', ts: now - DAY, outputText: i }));
    ledger.append(
      makeEntry({
        feature: 'sum',
        ts: now - DAY,
        outputText: 5000,
        provider: null,
        meta: { shortcut: 'faq' },
      }),
    );
    ledger.append(makeEntry({ feature: 'sum', ts: now - DAY, outputText: 9000, status: 'error' }));
    const policy = adaptiveCapSchema.parse({
      margin: 1.2,
      minCapped: 20,
      truncationThreshold: 0.1,
      maxBackoffs: 2,
    });
    const stats = new FeatureStats(ledger, {
      refreshSeconds: 60,
      windowHours: 24 * 7,
      maxEntries: 5000,
      clock: () => now,
    });

    let snap = await stats.refresh('sum', policy);
    assert.equal(snap.stats.samples, 100);
    assert.equal(snap.stats.unshapedMeanOutput, 50.5);
    assert.equal(snap.cap?.cap, Math.ceil(99 * 1.2));
    assert.equal(snap.cap?.backoffs, 0);

    // Capped answers, few of them truncated: the cap holds.
    const addCapped = (n: number, truncated: number, cap: number) => {
      for (let i = 0; i < n; i++)
        ledger.append(
          makeEntry({
            feature: 'sum',
            ts: now,
            outputText: cap,
            meta: { shape: { cap, ...(i < truncated ? { truncated: true } : {}) } },
          }),
        );
    };
    now += 1000;
    addCapped(30, 2, 119);
    snap = await stats.refresh('sum', policy);
    assert.equal(snap.cap?.backoffs, 0);
    assert.ok(snap.cap!.truncatedShare! < 0.1);
    const held = snap.cap!.cap!;

    // Truncations rise above the threshold: the cap doubles.
    now += 1000;
    addCapped(30, 20, held);
    snap = await stats.refresh('sum', policy);
    assert.equal(snap.cap?.backoffs, 1);
    assert.ok(snap.cap!.cap! >= held * 2 - 1, `${snap.cap!.cap} vs ${held}`);

    // Entries from before the change no longer count: refreshing again does not double again.
    now += 1000;
    snap = await stats.refresh('sum', policy);
    assert.equal(snap.cap?.backoffs, 1);

    // Two more rounds of truncation: past maxBackoffs the cap is removed.
    for (let round = 0; round < 2; round++) {
      now += 1000;
      addCapped(25, 25, snap.cap!.cap ?? 1);
      snap = await stats.refresh('sum', policy);
    }
    assert.equal(snap.cap?.removed, true);
    assert.equal(snap.cap?.cap, null);
  });

  test('too few samples: no cap yet; get() refreshes in the background', async () => {
    const ledger = new MemoryLedger();
    const now = 5 * DAY;
    for (let i = 0; i < 10; i++) ledger.append(makeEntry({ feature: 'f', ts: now - 1, outputText: 40 }));
    const stats = new FeatureStats(ledger, {
      refreshSeconds: 60,
      windowHours: 24,
      maxEntries: 100,
      clock: () => now,
    });
    const policy = adaptiveCapSchema.parse({});
    assert.equal(stats.get('f', policy), undefined, 'nothing computed on the request path');
    const snap = await stats.refresh('f', policy);
    assert.equal(snap.cap?.cap, null);
    assert.equal(stats.get('f', policy)?.stats.samples, 10);
  });
});
