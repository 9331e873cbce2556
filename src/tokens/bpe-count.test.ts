import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { BpeCounter } from './bpe-count.js';
import { BpeTable, BpeTableBuilder } from './bpe-table.js';
import { countWithEncoding } from './encoders.js';

const require = createRequire(import.meta.url);
const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;

interface GptTokenizerEncoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}
const theirs = (encoding: string) =>
  require(`gpt-tokenizer/cjs/encoding/${encoding}`) as GptTokenizerEncoding;
const PLAIN = { disallowedSpecial: new Set<string>() };

/** gpt-tokenizer's own test samples, and seeded random text over the cases where lookups differ. */
function corpus(): string[] {
  const plans = readFileSync(require.resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');
  const samples = [...plans.matchAll(/^Sample: (.*)$/gm)].map((m) => m[1]!);
  const pieces = [
    '\uFEFF',
    '\uD800',
    '\uDFFF',
    '\uFFFD',
    ' ',
    '\n',
    '\r\n',
    '\t',
    '  \n\n  ',
    'a',
    'The',
    ' the',
    "'s",
    "'LL",
    '123456',
    '٣',
    'é',
    'e\u0301',
    '中文',
    '日本語',
    '한국어',
    '🌍',
    '👩‍👩‍👧',
    '\u200b',
    '\u00a0',
    '...',
    '!!!',
    '{"a":1}',
    '</div>',
    'Ωμέγα',
    'привет',
    'العربية',
    '\u0000',
    '\x7f',
    'ß',
    'İ',
    'ǅ',
    '<|endoftext|>',
  ];
  let seed = 20261204;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const generated: string[] = [];
  for (let k = 0; k < 1500; k++) {
    let s = '';
    for (let i = 1 + Math.floor(rnd() * 30); i > 0; i--) {
      const r = rnd();
      if (r < 0.6) s += pieces[Math.floor(rnd() * pieces.length)];
      else if (r < 0.8) s += String.fromCharCode(Math.floor(rnd() * 0x3000));
      else if (r < 0.9) s += String.fromCodePoint(0x10000 + Math.floor(rnd() * 0x20000));
      else s += String.fromCharCode(Math.floor(rnd() * 0x10000)); // lone surrogates among them
    }
    generated.push(s);
  }
  const long = readFileSync(new URL('./bpe-count.ts', import.meta.url), 'utf8');
  return [...samples, ...generated, '\uFEFFhello', 'a\uFEFF\uFEFFb', ' '.repeat(500), long];
}

for (const encoding of ENCODINGS) {
  test(`${encoding}: every count equals gpt-tokenizer's, over its test samples and seeded random text`, () => {
    const reference = theirs(encoding);
    const texts = corpus();
    const wrong = texts.filter((t) => countWithEncoding(t, encoding) !== reference.countTokens(t, PLAIN));
    assert.deepEqual(wrong, []);
    assert.ok(texts.some((t) => t.includes('\uFEFF')) && texts.length > 1500);
  });

  test(`${encoding}: the table holds gpt-tokenizer's tokens, rank for rank, text and bytes alike`, () => {
    const table = BpeTable.read(readFileSync(require.resolve(`gpt-tokenizer/data/${encoding}.tiktoken`)));
    const ranks = (require(`gpt-tokenizer/cjs/bpeRanks/${encoding}`) as { default: Array<string | number[]> })
      .default;
    let tokens = 0;
    let bytesTokens = 0;
    for (let rank = 0; rank < ranks.length; rank++) {
      const token = ranks[rank];
      if (token === undefined) continue;
      tokens++;
      const b = typeof token === 'string' ? Buffer.from(token) : Uint8Array.from(token);
      const t = table.find(b, 0, b.length);
      assert.ok(t >= 0, `rank ${rank} is in the table`);
      assert.equal(table.rank(t), rank);
      assert.equal(table.isText(t), typeof token === 'string', `rank ${rank}: text or bytes`);
      if (typeof token !== 'string') bytesTokens++;
    }
    assert.equal(table.size, tokens);
    assert.ok(bytesTokens > 0);
    assert.equal(table.find(Buffer.from('not a single token, surely'), 0, 26), -1);
  });
}

test('a table built a few lines at a time, counted a few characters at a time, gives the same counts', () => {
  const path = require.resolve('gpt-tokenizer/data/cl100k_base.tiktoken');
  const data = readFileSync(path);
  // Read in views of 200-372 bytes (lines are up to 140), so lines cross the end of a view.
  let closed = 0;
  const source = {
    size: data.length,
    read: (at: number) => data.subarray(at, at + 200 + (at % 173)),
    close: () => closed++,
  };
  const builder = new BpeTableBuilder(source, path);
  let steps = 1;
  while (!builder.step(777)) steps++;
  assert.ok(steps > 100, `${steps} steps`); // 100,256 lines
  assert.equal(closed, 1);
  const whole = BpeTable.read(data);
  assert.equal(builder.table().size, whole.size);
  assert.equal(builder.table().byteLength, whole.byteLength);
  const regexes = require('gpt-tokenizer/cjs/encodingParams/constants') as {
    CL100K_TOKEN_SPLIT_REGEX: RegExp;
  };
  const counter = new BpeCounter(builder.table(), regexes.CL100K_TOKEN_SPLIT_REGEX);
  const sliced = (text: string, chars: number) => {
    let n = counter.countFrom(text, 0, chars);
    while (counter.resume >= 0) n += counter.countFrom(text, counter.resume, chars);
    return n;
  };
  const texts = corpus();
  const wrong = texts.filter((t, i) => sliced(t, 1 + (i % 13)) !== countWithEncoding(t, 'cl100k_base'));
  assert.deepEqual(wrong, []);
});

test('a token beginning with a byte-order mark is held as bytes, and a malformed line is an error', () => {
  const line = (bytes: number[], rank: number) => `${Buffer.from(bytes).toString('base64')} ${rank}`;
  const table = BpeTable.read(
    Buffer.from(
      `${[line([0x68, 0x69], 0), line([0xe2, 0x82], 1), line([0xef, 0xbb, 0xbf, 0x61], 2)].join('\n')}\n`,
    ),
  );
  assert.deepEqual(
    [0, 1, 2].map((t) => table.isText(t)),
    [true, false, false],
  );
  assert.throws(() => BpeTable.read(Buffer.from('aGk= 0\nbroken\n'), 'x.tiktoken'), /x\.tiktoken: line 2/);
  assert.throws(
    () => BpeTable.read(Buffer.from('aGk= zero\n'), 'x.tiktoken'),
    /x\.tiktoken: line 1 has no valid rank/,
  );
  assert.throws(() => BpeTable.read(Buffer.from('a*k= 0\n'), 'x.tiktoken'), /line 1 is not base64/);
  assert.throws(() => BpeTable.read(Buffer.from('aGk= 0\naGk= 1\n'), 'x.tiktoken'), /appears twice/);
});
