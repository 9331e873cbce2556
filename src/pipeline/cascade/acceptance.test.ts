import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { predict, train } from '../route/classifier.js';
import { acceptanceCheck, acceptanceFeatureText } from './acceptance.js';

describe('acceptance features and check', () => {
  test('feature text encodes answer, agreement with peers, hedges and arithmetic', () => {
    const t = acceptanceFeatureText(
      'gpt-3.5-turbo',
      { text: 'No' },
      [
        { model: 'j1-large', answer: { text: 'No' } },
        { model: 'curie', answer: { text: 'Yes' } },
      ],
      'Context: we overrule Smith.',
    );
    assert.match(t, /zzmgptx3x5xturbo/);
    assert.match(t, /zzpj1xlargeagree/);
    assert.match(t, /zzpcuriedisagree/);
    assert.match(t, /zzagree1of2/);
    // The prompt gives bounded evidence (a length bucket), never its words.
    assert.doesNotMatch(t, /overrule|Smith/);
    assert.match(t, /zzplen\d+/);
    const long = acceptanceFeatureText('m', { text: 'No' }, [], 'Example. '.repeat(2000));
    assert.ok(long.length < 400, 'a long few-shot prompt does not drown the evidence');
    assert.match(acceptanceFeatureText('m', { text: "I'm not sure" }, []), /zzhedge/);
    assert.match(acceptanceFeatureText('m', { text: '2 + 2 = 5' }, []), /zzarithwrong/);
    assert.equal(
      acceptanceFeatureText('m', { text: 'x' }, []),
      acceptanceFeatureText('m', { text: 'x' }, []),
    );
  });

  test('a trained acceptance model gates a cascade step', () => {
    const examples = [];
    for (let i = 0; i < 60; i++) {
      const agree = i % 2 === 0;
      examples.push({
        text: acceptanceFeatureText('cheap', { text: 'Yes' }, [
          { model: 'peer', answer: { text: agree ? 'Yes' : 'No' } },
        ]),
        label: agree ? 1 : 0,
      });
    }
    const m = train(examples, { seed: 1, epochs: 20 });
    const check = acceptanceCheck(m, 'cheap', 0.5);
    const peersAgree = [{ model: 'peer', answer: { text: 'Yes' } }];
    const peersDisagree = [{ model: 'peer', answer: { text: 'No' } }];
    assert.equal(check.run({ text: 'Yes' }, { peers: peersAgree }).passed, true);
    assert.equal(check.run({ text: 'Yes' }, { peers: peersDisagree }).passed, false);
    const s = check.run({ text: 'Yes' }, { peers: peersAgree }).score ?? 0;
    assert.equal(s, predict(m, acceptanceFeatureText('cheap', { text: 'Yes' }, peersAgree)));
  });
});
