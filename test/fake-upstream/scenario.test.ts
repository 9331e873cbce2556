import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDirectives, stripDirectives } from './scenario.js';

describe('scenario directives', () => {
  test('parses every directive', () => {
    assert.deepEqual(
      parseDirectives(
        'hi #fake:words=50 #fake:cached=1024 #fake:cache_write=2048 #fake:cache_write_1h=10 #fake:reasoning=100 ' +
          '#fake:status=429 #fake:retry_after=0 #fake:delay=200 #fake:chunk_delay=20 #fake:stall_after=3 ' +
          '#fake:break_after=4 #fake:reset #fake:finish=length #fake:bad_json #fake:tool=lookup',
      ),
      {
        words: 50,
        cached: 1024,
        cacheWrite: 2048,
        cacheWrite1h: 10,
        reasoning: 100,
        status: 429,
        retryAfter: 0,
        delay: 200,
        chunkDelay: 20,
        stallAfter: 3,
        breakAfter: 4,
        reset: true,
        finish: 'length',
        badJson: true,
        tool: 'lookup',
      },
    );
    assert.deepEqual(parseDirectives('#fake:tool'), { tool: true });
    assert.deepEqual(parseDirectives('no directives here'), {});
  });

  test('rejects unknown names and bad numbers', () => {
    assert.throws(() => parseDirectives('#fake:wrods=3'), /unknown directive #fake:wrods/);
    assert.throws(() => parseDirectives('#fake:words=lots'), /non-negative integer/);
    assert.throws(() => parseDirectives('#fake:delay'), /non-negative integer/);
    assert.throws(() => parseDirectives('#fake:finish'), /needs a value/);
  });

  test('stripDirectives removes them and collapses whitespace', () => {
    assert.equal(stripDirectives('  what is\n 2+2 #fake:words=3  please #fake:reset '), 'what is 2+2 please');
  });
});
