import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { appendToSystem, brevityInstruction } from './brevity.js';
import { shapeFeatureSchema } from './config.js';
import { mergeStops } from './stop-sequences.js';

describe('shaping parts', () => {
  test('stop sequences: client first, the provider limit respected, the rest named', () => {
    assert.deepEqual(mergeStops(['A', 'B', 'C'], ['###', 'B', '---'], 4), {
      stop: ['A', 'B', 'C', '###'],
      dropped: ['---'],
    });
    assert.deepEqual(mergeStops(undefined, ['###'], 4), { stop: ['###'], dropped: [] });
  });

  test('brevity instructions', () => {
    assert.equal(brevityInstruction({ sentences: 2 }), 'Answer in at most 2 sentences.');
    assert.equal(
      brevityInstruction({ sentences: 1, bullets: 3 }),
      'Answer in at most 1 sentence. Answer with at most 3 short bullet points.',
    );
    assert.equal(brevityInstruction({ json: true }), 'Answer with compact JSON only, no prose.');
    assert.equal(brevityInstruction({ text: 'Be terse.' }), 'Be terse.');
  });

  test('appended to the system prompt without touching a cached part', () => {
    const req: CanonicalRequest = {
      dialect: 'anthropic',
      model: 'm',
      system: [],
      messages: [],
      stream: false,
      extra: {},
    };
    assert.deepEqual(appendToSystem(req, 'X.').system, [{ type: 'text', text: 'X.' }]);
    const plain = { ...req, system: [{ type: 'text' as const, text: 'Sys.' }] };
    assert.deepEqual(appendToSystem(plain, 'X.').system, [{ type: 'text', text: 'Sys.\n\nX.' }]);
    const cached = {
      ...req,
      system: [{ type: 'text' as const, text: 'Sys.', cacheControl: { type: 'ephemeral' as const } }],
    };
    const out = appendToSystem(cached, 'X.').system;
    assert.equal(out.length, 2);
    assert.equal(out[0], cached.system[0]);
  });

  test('config errors name the field', () => {
    const bad = shapeFeatureSchema.safeParse({ maxTokens: 0 });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues[0]?.path, ['maxTokens']);
    assert.match(bad.error?.issues[0]?.message ?? '', /no room/);
    const es = shapeFeatureSchema.safeParse({ earlyStop: {} });
    assert.deepEqual(es.error?.issues[0]?.path, ['earlyStop']);
    assert.equal(shapeFeatureSchema.safeParse({ brevity: {} }).success, false);
  });
});
