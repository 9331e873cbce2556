import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import { shortcutGlobalSchema } from './config.js';
import { loadFaqFile, parseFaq } from './faq-file.js';
import { FaqIndex } from './faq-index.js';
import { compileRules, fillTemplate, matchRule } from './rules.js';

const entries = parseFaq([
  {
    id: 'refund',
    questions: ['How long do I have to return an item?', 'What is the return window?'],
    answer: '30 days.',
  },
  { id: 'ship-eu', questions: ['Do you ship to Germany?'], answer: 'Yes, in 5 days.' },
  { id: 'price-basic', questions: ['How much is the basic plan for 5 users?'], answer: '$25 a month.' },
]);

describe('FAQ file', () => {
  test('errors name the entry and the field', () => {
    assert.throws(
      () =>
        parseFaq({
          entries: [
            { id: 'a', questions: ['Is it ok?'], answer: 'x' },
            { id: 'b', questions: [], answer: 'y' },
          ],
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /entries\[1\] \("b"\)\.questions: needs at least one question/.test(e.message),
    );
    assert.throws(
      () => parseFaq([{ id: 'a', questions: ['Hello there'], answer: '' }]),
      /entries\[0\] \("a"\)\.answer: must not be empty/,
    );
    assert.throws(
      () => parseFaq([{ id: 'a', questions: ['Hello there'], answer: 'x', extra: 1 }]),
      /entries\[0\] \("a"\)/,
    );
    assert.throws(
      () =>
        parseFaq([
          { id: 'a', questions: ['Hello there'], answer: 'x' },
          { id: 'a', questions: ['Hi there'], answer: 'y' },
        ]),
      /entries\[1\] \("a"\)\.id: duplicate id/,
    );
    assert.throws(() => parseFaq('nope'), /shortcut\.faqFile: must be a list/);
  });

  test('reads YAML and JSON files; a missing or broken file is a config error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'penny-faq-test-'));
    try {
      writeFileSync(join(dir, 'f.yaml'), '- id: x\n  questions: ["Where are you?"]\n  answer: Lisbon.\n');
      assert.equal(loadFaqFile(join(dir, 'f.yaml'))[0]?.answer, 'Lisbon.');
      writeFileSync(join(dir, 'f.json'), '{"entries": [');
      assert.throws(() => loadFaqFile(join(dir, 'f.json')), /not valid JSON/);
      assert.throws(() => loadFaqFile(join(dir, 'missing.yaml')), /cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('FaqIndex', () => {
  const index = new FaqIndex(entries, { threshold: 0.6 });
  test('exact (normalised) and paraphrased questions match', () => {
    assert.equal(index.lookup('how long do i have to return an item').match?.method, 'exact');
    assert.equal(index.lookup('How long do I have to return items?').match?.entry.id, 'refund');
  });

  test('the semantic cache guards refuse near misses: negation, numbers, entities', () => {
    const neg = index.lookup("Why don't you ship to Germany?");
    assert.equal(neg.match, null);
    assert.equal(index.lookup('How much is the basic plan for 50 users?').match, null);
    assert.equal(index.lookup('Do you ship to France?').match, null);
  });

  test('unrelated and over-long questions do not match', () => {
    assert.equal(index.lookup('What is the capital of Peru?').match, null);
    assert.equal(index.lookup(`How long do I have to return an item? ${'x '.repeat(400)}`).match, null);
  });
});

describe('rules', () => {
  test('groups fill the template', () => {
    const [r] = compileRules(
      shortcutGlobalSchema.parse({
        rules: [{ name: 'o', pattern: 'order (?<id>\\d+) from (\\w+)', answer: 'x' }],
      }).rules,
    );
    const m = matchRule(r!, 'Where is ORDER 12 from Lisbon')!;
    assert.equal(fillTemplate('Order $<id> ($1) from $2 costs $$5', m), 'Order 12 (12) from Lisbon costs $5');
    assert.equal(matchRule(r!, 'no match here'), null);
  });

  test('bad rules are config errors naming the field', () => {
    const bad = shortcutGlobalSchema.safeParse({ rules: [{ name: 'x', pattern: '(', answer: 'a' }] });
    assert.deepEqual(bad.error?.issues[0]?.path, ['rules', 0, 'pattern']);
    const both = shortcutGlobalSchema.safeParse({ rules: [{ name: 'x', pattern: 'a' }] });
    assert.deepEqual(both.error?.issues[0]?.path, ['rules', 0, 'answer']);
  });
});
