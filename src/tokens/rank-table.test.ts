import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loadRanks, ranksFromTiktoken } from './rank-table.js';

const require = createRequire(import.meta.url);

for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
  test(`${encoding}: the table read from the data file equals gpt-tokenizer's generated module, rank for rank`, () => {
    const mine = loadRanks(encoding);
    const theirs = (
      require(`gpt-tokenizer/cjs/bpeRanks/${encoding}`) as { default: Array<string | number[]> }
    ).default;
    assert.equal(mine.length, theirs.length);
    let bytes = 0;
    for (let rank = 0; rank < theirs.length; rank++) {
      const a = mine[rank];
      const b = theirs[rank];
      if (typeof b === 'string') assert.equal(a, b, `rank ${rank}`);
      else {
        bytes++;
        assert.deepEqual(a, b, `rank ${rank}`);
      }
    }
    assert.ok(bytes > 0, 'the table has byte tokens (not valid UTF-8 alone), and they stay bytes');
  });
}

test('a token whose bytes are not UTF-8, or begin with a byte-order mark, stays bytes', () => {
  const line = (bytes: number[], rank: number) => `${Buffer.from(bytes).toString('base64')} ${rank}`;
  const data = Buffer.from(
    `${[line([0x68, 0x69], 0), line([0xe2, 0x82], 1), line([0xef, 0xbb, 0xbf, 0x61], 2), line([0xc3, 0xa9], 3)].join('\n')}\n`,
  );
  assert.deepEqual(ranksFromTiktoken(data), ['hi', [0xe2, 0x82], [0xef, 0xbb, 0xbf, 0x61], 'é']);
});

test('a malformed line is an error naming the file and line', () => {
  assert.throws(
    () => ranksFromTiktoken(Buffer.from('aGk= 0\nbroken\n'), 'x.tiktoken'),
    /x\.tiktoken: line 2/,
  );
  assert.throws(
    () => ranksFromTiktoken(Buffer.from('aGk= zero\n'), 'x.tiktoken'),
    /x\.tiktoken: line 1 has no valid rank/,
  );
});
