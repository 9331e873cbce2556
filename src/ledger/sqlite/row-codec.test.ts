/**
 * The row codec's short ways (savings and meta written without a replacer) give the text the general
 * JSON.stringify would, and every row comes back as the entry that went in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeEntry, makeRichEntry } from '../entry-fixtures.js';
import { entryToParams, type Row, rowToEntry, SELECT_COLUMNS } from './row-codec.js';

const COLUMNS = SELECT_COLUMNS.split(', ');
const column = (params: unknown[], name: string) => params[COLUMNS.indexOf(name)];

/** A row as SQLite gives it back with safe integers: numbers as bigints, booleans as 0n/1n. */
function asRow(params: unknown[]): Row {
  const row: Record<string, unknown> = {};
  COLUMNS.forEach((c, i) => {
    const v = params[i];
    row[c] =
      typeof v === 'number' && Number.isInteger(v) && c !== 'latency_ms' && c !== 'ttft_ms' ? BigInt(v) : v;
  });
  return row as Row;
}

describe('SQLite row codec', () => {
  test('savings: decimal-string amounts in the key order JSON.stringify uses, total exact', () => {
    const savings = { route: 9_007_199_254_740_993n, 'say "hi"\\': -5n, '7': 1n, 'cache.prompt': 0n };
    const params = entryToParams(makeEntry({ savings }));
    const general = JSON.stringify(
      Object.fromEntries(Object.entries(savings).map(([k, v]) => [k, String(v)])),
    );
    assert.equal(column(params, 'savings'), general);
    assert.equal(column(params, 'savings_total'), 9_007_199_254_740_989n);
    assert.equal(column(entryToParams(makeEntry({ savings: {} })), 'savings'), '{}');
  });

  test('meta: plain JSON, bigints as decimal strings, a cycle refused', () => {
    assert.equal(
      column(entryToParams(makeEntry({ meta: { promptHash: 'ab', n: 1 } })), 'meta'),
      '{"promptHash":"ab","n":1}',
    );
    assert.equal(
      column(entryToParams(makeEntry({ meta: { route: { savedPico: 12n }, x: [1n] } })), 'meta'),
      '{"route":{"savedPico":"12"},"x":["1"]}',
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => entryToParams(makeEntry({ meta: cycle })), TypeError);
    assert.equal(column(entryToParams(makeEntry()), 'meta'), null);
  });

  test('flags: [] when none, JSON otherwise', () => {
    assert.equal(column(entryToParams(makeEntry()), 'flags'), '[]');
    assert.equal(column(entryToParams(makeEntry({ flags: ['a', 'b"c'] })), 'flags'), '["a","b\\"c"]');
  });

  test('an entry survives the row round trip', () => {
    const rich = makeRichEntry({ savings: { route: 5n, 'cache.prompt': 7n }, flags: ['usage_estimated'] });
    assert.deepEqual(rowToEntry(asRow(entryToParams(rich))), rich);
    const plain = makeEntry();
    assert.deepEqual(rowToEntry(asRow(entryToParams(plain))), plain);
  });
});
