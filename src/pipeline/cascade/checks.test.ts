import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../core/errors.js';
import {
  parseJsonAnswer,
  agreement,
  arithmeticConsistency,
  type CheckSpec,
  compileCheck,
  compileChecks,
  lengthBounds,
  logprobConfidence,
  matchesJsonSchema,
  nonEmpty,
  notRefusalOrHedge,
  regexCheck,
  runChecks,
  scoreCheck,
  validJson,
} from './checks.js';
import { compileJsonSchema } from './json-schema.js';

describe('pure checks', () => {
  test('nonEmpty', () => {
    assert.equal(nonEmpty('  \n ').passed, false);
    assert.equal(nonEmpty('42').passed, true);
  });

  test('notRefusalOrHedge catches refusals and hedges, not ordinary answers', () => {
    for (const t of [
      "I can't help with that.",
      "I'm not able to browse the internet.",
      'As an AI language model, I do not have opinions.',
      "I'm not sure, but maybe 12.",
      'Cannot determine without more context.',
      'Insufficient information to answer.',
      'I apologize, but I cannot comply.',
    ]) {
      assert.equal(notRefusalOrHedge(t).passed, false, t);
    }
    for (const t of [
      'Yes',
      'The answer is 18.',
      'Paris is the capital of France.',
      "I can't wait to see it!",
    ]) {
      assert.equal(notRefusalOrHedge(t).passed, true, t);
    }
    assert.equal(notRefusalOrHedge('Nope', [/\bnope\b/i]).passed, false);
    const r = notRefusalOrHedge("Sure. I'm not sure though.");
    assert.match(r.detail ?? '', /not sure/);
  });

  test('validJson accepts fenced JSON and rejects prose', () => {
    assert.equal(validJson('{"a":1}').passed, true);
    assert.equal(validJson('```json\n{"a": [1, 2]}\n```').passed, true);
    const bad = validJson('Here is the JSON: {"a":1}');
    assert.equal(bad.passed, false);
    assert.ok(bad.detail);
  });

  test('regex and lengthBounds', () => {
    assert.equal(regexCheck('Answer: B', /Answer: [A-D]/).passed, true);
    assert.equal(regexCheck('Answer: B', /TODO/, false).passed, true);
    assert.equal(regexCheck('TODO', /TODO/, false).passed, false);
    assert.equal(lengthBounds('hello', { min: 2, max: 5 }).passed, true);
    assert.equal(lengthBounds('hello!', { max: 5 }).passed, false);
    assert.equal(lengthBounds('x'.repeat(40), { max: 9, unit: 'tokens' }).passed, false);
    assert.equal(lengthBounds('x'.repeat(40), { max: 10, unit: 'tokens' }).passed, true);
    assert.equal(lengthBounds('a b c', { min: 4, unit: 'tokens' }, (t) => t.split(' ').length).passed, false);
  });

  test('logprobConfidence uses mean logprob and the least likely token', () => {
    const confident = [
      { token: 'Yes', logprob: -0.01 },
      { token: '.', logprob: -0.05 },
    ];
    const shaky = [
      { token: 'Maybe', logprob: -2.3 },
      { token: '.', logprob: -0.01 },
    ];
    const r = logprobConfidence(confident, { minMeanLogprob: -0.3, minTokenProb: 0.5 });
    assert.equal(r.passed, true);
    assert.ok(Math.abs((r.score ?? 0) - Math.exp(-0.03)) < 1e-12);
    assert.equal(logprobConfidence(shaky, { minTokenProb: 0.2 }).passed, false);
    assert.equal(logprobConfidence(shaky, { minMeanLogprob: -2 }).passed, true);
    assert.equal(logprobConfidence(null, { minMeanLogprob: -1 }).passed, true);
    assert.equal(logprobConfidence([], { minMeanLogprob: -1, whenMissing: 'fail' }).passed, false);
  });

  test('agreement normalises final numbers, options, yes/no and text', () => {
    assert.equal(agreement('So she makes 9 * 2 = $18.\n#### 18', 'The answer is 18.').passed, true);
    assert.equal(agreement('#### 1,000', 'final answer: 1000.00', 'number').passed, true);
    assert.equal(agreement('(B)', 'The answer is B', 'option').passed, true);
    assert.equal(agreement('Yes', 'yes, it is overruling', 'yesno').passed, true);
    assert.equal(agreement('Yes', 'No').passed, false);
    assert.equal(agreement('Paris.', '  paris ', 'text').passed, true);
    assert.equal(agreement('Yes', ' Yes ', 'exact').passed, true);
    assert.equal(agreement('Yes', 'yes', 'exact').passed, false);
    assert.equal(agreement('', 'x').passed, false);
  });

  test('arithmeticConsistency recomputes written equations', () => {
    assert.equal(arithmeticConsistency('3 x 60 = <<3*60=180>>180 meters').passed, true);
    const bad = arithmeticConsistency('She has 16 - 3 = 12 eggs left.');
    assert.equal(bad.passed, false);
    assert.match(bad.detail ?? '', /16 - 3 = 12/);
    assert.equal(arithmeticConsistency('No equations here.').passed, true);
  });

  test('matchesJsonSchema reports violations with pointers', () => {
    const v = compileJsonSchema({
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1 },
        age: { type: 'integer', minimum: 0, maximum: 150 },
      },
      required: ['name', 'age'],
      additionalProperties: false,
    });
    assert.equal(matchesJsonSchema('{"name":"Ada","age":36}', v).passed, true);
    const bad = matchesJsonSchema('{"name":"","age":200,"x":1}', v);
    assert.equal(bad.passed, false);
    assert.match(bad.detail ?? '', /\/name/);
    assert.match(bad.detail ?? '', /\/age: 200 > maximum 150/);
    assert.match(bad.detail ?? '', /unexpected property "x"/);
    assert.match(matchesJsonSchema('nope', v).detail ?? '', /not JSON/);
  });
});

describe('compileCheck / runChecks', () => {
  test('compiles every spec kind and runs them all without short-circuit', () => {
    const specs: CheckSpec[] = [
      { type: 'nonEmpty' },
      { type: 'notRefusalOrHedge', extraPatterns: ['\\bdunno\\b'] },
      { type: 'validJson' },
      { type: 'jsonSchema', schema: { type: 'object', required: ['ok'] } },
      { type: 'regex', pattern: '"ok"', name: 'hasOk' },
      { type: 'length', max: 100 },
      { type: 'logprob', minMeanLogprob: -1 },
      { type: 'arithmetic' },
    ];
    const checks = compileChecks(specs);
    const good = runChecks({ text: '{"ok": true}' }, checks);
    assert.equal(good.passed, true);
    assert.equal(good.results.length, specs.length);
    const bad = runChecks({ text: 'dunno' }, checks);
    assert.equal(bad.passed, false);
    assert.deepEqual(
      bad.results.filter((r) => !r.passed).map((r) => r.name),
      ['notRefusalOrHedge', 'validJson', 'matchesJsonSchema', 'hasOk'],
    );
  });

  test('a JSON schema that does not compile is a ConfigError naming the path', () => {
    const cases: unknown[] = [
      { type: 'strnig' },
      { type: 'object', requried: ['a'] },
      { $ref: '#/defs/x' },
      { type: 'string', pattern: '([a-z' },
      { type: 'array', minItems: -1 },
      { enum: [] },
      'not a schema',
    ];
    for (const schema of cases) {
      assert.throws(
        () => compileCheck({ type: 'jsonSchema', schema }, 'features.support.cascade.checks[2]'),
        (e: unknown) =>
          e instanceof ConfigError &&
          e.path === 'features.support.cascade.checks[2].schema' &&
          /does not compile/.test(e.message),
        JSON.stringify(schema),
      );
    }
  });

  test('other bad specs are ConfigErrors too', () => {
    assert.throws(() => compileCheck({ type: 'regex', pattern: '(' }), ConfigError);
    assert.throws(() => compileCheck({ type: 'length' }), ConfigError);
    assert.throws(() => compileCheck({ type: 'length', min: 5, max: 2 }), ConfigError);
    assert.throws(() => compileCheck({ type: 'logprob' }), ConfigError);
    assert.throws(() => compileCheck({ type: 'logprob', minMeanLogprob: 0.5 }), ConfigError);
    assert.throws(() => compileCheck({ type: 'logprob', minTokenProb: 2 }), ConfigError);
  });

  test('agreement check compares with the latest or a named earlier answer', () => {
    const c = compileCheck({ type: 'agreement', mode: 'yesno' });
    assert.equal(c.run({ text: 'Yes' }).passed, false);
    assert.match(c.run({ text: 'Yes' }).detail ?? '', /no earlier answer/);
    const peers = [
      { model: 'b', answer: { text: 'No' } },
      { model: 'a', answer: { text: 'Yes.' } },
    ];
    assert.equal(c.run({ text: 'Yes' }, { peers }).passed, false);
    const named = compileCheck({ type: 'agreement', mode: 'yesno', withModel: 'a' });
    assert.equal(named.run({ text: 'Yes' }, { peers }).passed, true);
  });

  test('scoreCheck passes at or above its minimum', () => {
    const c = scoreCheck('len', (a) => a.text.length, 3);
    assert.equal(c.run({ text: 'abc' }).passed, true);
    assert.equal(c.run({ text: 'ab' }).passed, false);
    assert.equal(c.run({ text: 'ab' }).score, 2);
  });
});

describe('a too-deep JSON answer', () => {
  test('fails the JSON check instead of exhausting the stack in the schema walk', () => {
    const r = parseJsonAnswer(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    assert.equal(r.ok, false);
  });
});
