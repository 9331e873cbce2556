import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { ConfigError } from '../../core/errors.js';
import { routeRuleSchema } from './config.js';
import {
  compileRule,
  firstMatch,
  lastUserText,
  type RequestFacts,
  requestFacts,
  ruleMatches,
} from './rules.js';

const rule = (r: unknown, i = 0) => compileRule(routeRuleSchema.parse(r), `features.x.route.rules[${i}]`, i);
const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  task: null,
  promptTokens: 100,
  tools: false,
  images: false,
  json: false,
  text: 'hello',
  tier: null,
  budget: null,
  ...over,
});

describe('route rules', () => {
  test('an empty `when` matches everything; the rule is named by its index', () => {
    const r = rule({ targets: ['gpt-4o-mini'] }, 3);
    assert.equal(r.name, 'rules[3]');
    assert.equal(ruleMatches(r, facts()), true);
  });

  test('task, tier and budget match one value or a list', () => {
    const r = rule({
      when: { task: ['classify', 'extract'], tier: 'free', budget: 'warning' },
      targets: ['m'],
    });
    assert.equal(ruleMatches(r, facts({ task: 'extract', tier: 'free', budget: 'warning' })), true);
    assert.equal(ruleMatches(r, facts({ task: 'chat', tier: 'free', budget: 'warning' })), false);
    assert.equal(ruleMatches(r, facts({ task: 'extract', tier: 'pro', budget: 'warning' })), false);
    assert.equal(ruleMatches(r, facts({ task: 'extract', tier: 'free', budget: null })), false);
  });

  test('prompt token bounds are inclusive', () => {
    const r = rule({ when: { minPromptTokens: 10, maxPromptTokens: 20 }, targets: ['m'] });
    assert.equal(ruleMatches(r, facts({ promptTokens: 10 })), true);
    assert.equal(ruleMatches(r, facts({ promptTokens: 20 })), true);
    assert.equal(ruleMatches(r, facts({ promptTokens: 21 })), false);
    assert.equal(ruleMatches(r, facts({ promptTokens: 9 })), false);
  });

  test('tools, images and JSON output must equal the stated value', () => {
    const r = rule({ when: { tools: true, json: false }, targets: ['m'] });
    assert.equal(ruleMatches(r, facts({ tools: true })), true);
    assert.equal(ruleMatches(r, facts({ tools: false })), false);
    assert.equal(ruleMatches(r, facts({ tools: true, json: true })), false);
    const img = rule({ when: { images: true }, targets: ['m'] });
    assert.equal(ruleMatches(img, facts({ images: false })), false);
  });

  test('content patterns with flags; a bad regex is a ConfigError naming the field', () => {
    const r = rule({ when: { pattern: '\\btranslate\\b', patternFlags: 'i' }, targets: ['m'] });
    assert.equal(ruleMatches(r, facts({ text: 'Please TRANSLATE this' })), true);
    assert.equal(ruleMatches(r, facts({ text: 'translation' })), false);
    assert.throws(
      () => rule({ when: { pattern: '(' }, targets: ['m'] }, 2),
      (e: unknown) => e instanceof ConfigError && e.path === 'features.x.route.rules[2].when.pattern',
    );
  });

  test('first match wins', () => {
    const rules = [rule({ when: { tools: true }, targets: ['a'] }, 0), rule({ targets: ['b'] }, 1)];
    assert.equal(firstMatch(rules, facts({ tools: true }))?.targets[0], 'a');
    assert.equal(firstMatch(rules, facts())?.targets[0], 'b');
  });

  test('facts read tools, images, JSON output and the last user message', () => {
    const req: CanonicalRequest = {
      dialect: 'openai',
      model: 'gpt-4o',
      system: [{ type: 'text', text: 'sys' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } },
          ],
        },
      ],
      tools: [{ name: 'f', parameters: {} }],
      responseFormat: { type: 'json_object' },
      stream: false,
      extra: {},
    };
    const f = requestFacts(req, { task: 't', tier: null, budget: null, promptTokens: 5 });
    assert.deepEqual([f.tools, f.images, f.json, f.text], [true, true, true, 'look']);
    assert.equal(lastUserText({ ...req, messages: [] }), '');
  });
});
