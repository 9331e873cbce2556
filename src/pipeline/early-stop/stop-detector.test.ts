import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StreamEvent } from '../../core/response.js';
import { EarlyStopObserver } from './early-stop-observer.js';
import { type StopRule, StopDetector } from './stop-detector.js';

/** Feeds text in small deltas, as a stream would; returns the kept answer. */
function feed(rule: StopRule, text: string, size = 3): { kept: string; reason?: string } {
  const d = new StopDetector(rule);
  for (let i = size; i < text.length + size; i += size) {
    const p = d.check(text.slice(0, Math.min(i, text.length)));
    if (p) return { kept: text.slice(0, p.at), reason: p.reason };
  }
  return { kept: text };
}

describe('StopDetector', () => {
  test('sentences: stops after N, ignoring decimals, abbreviations and list numbers', () => {
    const t = 'Prices rose 3.5 percent, e.g. in food. Rents too! Is that all? No, wages fell.';
    assert.deepEqual(feed({ sentences: 2 }, t), {
      kept: 'Prices rose 3.5 percent, e.g. in food. Rents too!',
      reason: 'sentences',
    });
    assert.equal(feed({ sentences: 1 }, '1. First point here. Second.').kept, '1. First point here.');
    assert.equal(feed({ sentences: 5 }, 'Only one.').kept, 'Only one.', 'never met: the whole text');
    assert.equal(feed({ sentences: 1 }, 'He said "stop." Then left.').kept, 'He said "stop."');
  });

  test('marker: with or without the marker kept', () => {
    assert.equal(feed({ marker: '</answer>' }, '<answer>42</answer> and more').kept, '<answer>42</answer>');
    assert.equal(feed({ marker: '###', includeMarker: false }, 'Done.### extra').kept, 'Done.');
  });

  test('items: stops when item N+1 starts', () => {
    const t = 'Here:\n- one\n- two\n- three\n- four\n';
    assert.deepEqual(feed({ items: 2 }, t, 2), { kept: 'Here:\n- one\n- two', reason: 'items' });
    assert.equal(feed({ items: 2 }, '1. a\n2. b\n3. c').kept, '1. a\n2. b');
  });

  test('json: stops when the top-level value closes, braces in strings ignored', () => {
    const t = 'Sure: {"a": "x } y", "b": [1, {"c": 2}]} Hope this helps!';
    assert.deepEqual(feed({ json: true }, t), {
      kept: 'Sure: {"a": "x } y", "b": [1, {"c": 2}]}',
      reason: 'json',
    });
  });
});

describe('EarlyStopObserver', () => {
  test('cuts the delta that completes the answer and reports what was discarded', () => {
    const o = new EarlyStopObserver({ sentences: 1 });
    const ev = (text: string): StreamEvent => ({ type: 'text', index: 0, text });
    assert.equal(o.observe({ type: 'start', id: 'x', model: 'm', created: 0 }), null);
    assert.equal(o.observe(ev('Hello there')), null);
    assert.equal(o.observe(ev('.')), null, 'the full stop is not confirmed yet');
    const cut = o.observe(ev(' How are you?'));
    assert.ok(cut);
    assert.deepEqual(cut.last, [], 'the full stop was already forwarded');
    assert.equal(cut.discardedText, ' How are you?');
    assert.equal(o.delivered, 'Hello there.');
    assert.equal(o.stopped?.reason, 'sentences');

    const m = new EarlyStopObserver({ marker: 'END' });
    const c2 = m.observe(ev('abc END tail'))!;
    assert.deepEqual(c2.last, [ev('abc END')]);
    assert.equal(c2.discardedText, ' tail');
  });
});
