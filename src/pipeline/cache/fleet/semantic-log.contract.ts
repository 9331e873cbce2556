/** The contract every semantic log backend must pass: one suite, run on memory and on the real Redis. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SemanticEntryRecord } from '../semantic/semantic-cache.js';
import type { SemanticLog } from './semantic-log.js';

function rec(i: number, dims = 8): SemanticEntryRecord {
  const vector = new Float32Array(dims);
  for (let d = 0; d < dims; d++) vector[d] = Math.sin(i * 7 + d) / 3;
  return { scope: `scope|${i % 3}`, id: `key-${i}`, text: `question ${i} é😀`, vector };
}

export function semanticLogContract(
  name: string,
  open: (maxEntries: number) => Promise<SemanticLog>,
  opts: { skip?: string | false } = {},
): void {
  describe(`semantic log contract: ${name}`, { skip: opts.skip ?? false }, () => {
    test('records come back in order, exactly (scope, id, text, vector bytes)', async () => {
      const log = await open(1000);
      try {
        const empty = await log.read('', 10);
        assert.deepEqual(empty.records, []);
        assert.equal(empty.newestAt, undefined, 'no append time without a record');
        const t0 = Date.now();
        for (let i = 0; i < 5; i++) await log.append(rec(i));
        const page = await log.read('', 10);
        // The page says when its newest record was appended (replication lag = now − that); clocks of the
        // test and of Redis agree to within a second on one machine.
        assert.ok(
          page.newestAt !== undefined && Math.abs(page.newestAt - t0) < 1000,
          `newestAt ${page.newestAt}`,
        );
        assert.deepEqual(
          page.records,
          [0, 1, 2, 3, 4].map((i) => rec(i)),
        );
        assert.ok(page.records.every((r) => r.vector instanceof Float32Array));
      } finally {
        await log.close();
      }
    });

    test('paging with the cursor reads each record once', async () => {
      const log = await open(1000);
      try {
        for (let i = 0; i < 7; i++) await log.append(rec(i));
        const ids: string[] = [];
        let cursor = '';
        for (;;) {
          const p = await log.read(cursor, 3);
          ids.push(...p.records.map((r) => r.id));
          cursor = p.cursor;
          if (p.records.length < 3) break;
        }
        assert.deepEqual(
          ids,
          [0, 1, 2, 3, 4, 5, 6].map((i) => `key-${i}`),
        );
        const none = await log.read(cursor, 3);
        assert.deepEqual(none.records, []);
        assert.equal(none.cursor, cursor, 'an empty read keeps the cursor');
        await log.append(rec(7));
        assert.deepEqual(
          (await log.read(cursor, 3)).records.map((r) => r.id),
          ['key-7'],
        );
      } finally {
        await log.close();
      }
    });

    test('the log is bounded: the oldest records go first', async () => {
      const log = await open(10);
      try {
        for (let i = 0; i < 400; i++) await log.append(rec(i));
        const all: string[] = [];
        let cursor = '';
        for (;;) {
          const p = await log.read(cursor, 100);
          all.push(...p.records.map((r) => r.id));
          cursor = p.cursor;
          if (p.records.length < 100) break;
        }
        // Redis trims approximately (whole macro-nodes), never below the bound.
        assert.ok(all.length >= 10 && all.length < 400, `${all.length} kept`);
        assert.equal(all[all.length - 1], 'key-399', 'the newest is kept');
      } finally {
        await log.close();
      }
    });
  });
}
