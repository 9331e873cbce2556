import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../../../core/request.js';
import { lastUserText, modelFamily, scopeFromRequest, scopeKey, stableJson } from './scope.js';

function req(over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    dialect: 'openai',
    model: 'gpt-4o-2024-08-06',
    system: [{ type: 'text', text: 'You are a support bot.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] },
      { role: 'user', content: [{ type: 'text', text: 'How do I cancel?' }] },
    ],
    stream: false,
    extra: {},
    ...over,
  };
}

test('stableJson sorts keys and drops cacheControl', () => {
  assert.equal(stableJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
  assert.equal(stableJson({ text: 'x', cacheControl: { type: 'ephemeral' } }), '{"text":"x"}');
  // Like JSON: an undefined member is left out, an undefined array item is null.
  assert.equal(stableJson({ z: undefined, a: [undefined, 'q"'], b: {} }), '{"a":[null,"q\\""],"b":{}}');
  assert.equal(stableJson([{ cacheControl: 1 }, null, 2.5]), '[{},null,2.5]');
});

test('modelFamily drops dates and provider prefixes but keeps variants apart', () => {
  assert.equal(modelFamily('gpt-4o-2024-08-06'), 'gpt-4o');
  assert.equal(modelFamily('openai/gpt-4o'), 'gpt-4o');
  assert.equal(modelFamily('claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5');
  assert.notEqual(modelFamily('gpt-4o-mini'), modelFamily('gpt-4o'));
});

test('the scope depends on system, tools and earlier turns, not on the last user turn', () => {
  const base = scopeFromRequest(req(), 'tenant-a');
  const otherLast = req();
  otherLast.messages[2] = { role: 'user', content: [{ type: 'text', text: 'Something else' }] };
  assert.deepEqual(scopeFromRequest(otherLast, 'tenant-a'), base);

  const marked = req({
    system: [{ type: 'text', text: 'You are a support bot.', cacheControl: { type: 'ephemeral' } }],
  });
  assert.equal(scopeFromRequest(marked, 'tenant-a').systemHash, base.systemHash);

  assert.notEqual(
    scopeFromRequest(req({ system: [{ type: 'text', text: 'Be terse.' }] }), 'tenant-a').systemHash,
    base.systemHash,
  );
  const tools = req({ tools: [{ name: 'lookup', parameters: { type: 'object' } }] });
  assert.notEqual(scopeFromRequest(tools, 'tenant-a').toolsHash, base.toolsHash);
  const history = req();
  history.messages[1] = { role: 'assistant', content: [{ type: 'text', text: 'Hey.' }] };
  assert.notEqual(scopeFromRequest(history, 'tenant-a').prefixHash, base.prefixHash);
  assert.notEqual(scopeKey(scopeFromRequest(req(), 'tenant-b')), scopeKey(base));
  assert.equal(scopeFromRequest(req({ model: 'gpt-4o' }), 'tenant-a').modelFamily, 'gpt-4o');
});

test('lastUserText is null unless the last turn is plain user text', () => {
  assert.equal(lastUserText(req()), 'How do I cancel?');
  const img = req();
  img.messages[2] = {
    role: 'user',
    content: [
      { type: 'text', text: 'What is this?' },
      { type: 'image', source: { kind: 'url', url: 'https://x/y.png' } },
    ],
  };
  assert.equal(lastUserText(img), null);
  const tail = req();
  tail.messages.push({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });
  assert.equal(lastUserText(tail), null);
});
