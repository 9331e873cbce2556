import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CODECS } from '../providers/codecs.js';
import { bodiesPathFor } from './body-path.js';
import { exchangeHash, promptHash, responseForStorage } from './prompt-hash.js';

const parse = (body: Record<string, unknown>) => CODECS.openai.parseRequest(body);

describe('promptHash', () => {
  test('same prompt → same hash, whatever the model or sampling settings', () => {
    const a = parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 0 });
    const b = parse({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 1 });
    assert.equal(promptHash(a), promptHash(b));
    assert.match(promptHash(a), /^[0-9a-f]{32}$/);
  });

  test('the hash of a prompt never changes between versions (reports compare hashes across time)', () => {
    const req = {
      system: [{ type: 'text', text: 'Tu es un assistant — réponds en français ✓' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'héllo 😀' }] },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{"a":1}' }] },
        { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'c1', content: 'ok' }] },
      ],
      tools: [{ name: 'f', parameters: {} }],
    };
    // Values computed by the part-by-part Hash.update implementation this replaced.
    assert.equal(promptHash(req as never), 'dd78d745d213d9d434e23cbdd591dc83');
    const plain = {
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello in one short sentence.' }] }],
    };
    assert.equal(promptHash(plain as never), 'e7ff532d187d475b2c6c5d3dd66b212c');
  });

  test('a different message, system prompt or tool set changes it', () => {
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    const h = promptHash(parse(base));
    assert.notEqual(h, promptHash(parse({ ...base, messages: [{ role: 'user', content: 'hi!' }] })));
    assert.notEqual(
      h,
      promptHash(parse({ ...base, messages: [{ role: 'system', content: 'x' }, ...base.messages] })),
    );
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    assert.notEqual(h, promptHash(parse({ ...base, tools })));
  });

  test('the boundaries between messages and parts count', () => {
    const one = parse({ model: 'm', messages: [{ role: 'user', content: 'ab' }] });
    const two = parse({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ],
    });
    const turns = parse({
      model: 'm',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
    });
    assert.equal(new Set([promptHash(one), promptHash(two), promptHash(turns)]).size, 3);
  });

  test('exchangeHash depends on both texts; responseForStorage drops raw usage only', () => {
    assert.notEqual(exchangeHash('a', 'bc'), exchangeHash('ab', 'c'));
    const res = {
      id: 'r',
      model: 'm',
      created: 1,
      choices: [],
      usage: {
        inputUncached: 1,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 2,
        reasoning: 0,
        raw: { big: true },
      },
    };
    const stored = responseForStorage(res);
    assert.equal(stored.usage?.raw, undefined);
    assert.equal(stored.usage?.outputText, 2);
    assert.deepEqual(res.usage.raw, { big: true }, 'the original is not changed');
  });

  test('bodies live beside the ledger', () => {
    assert.equal(bodiesPathFor('/x/ledger.db'), '/x/ledger.bodies.db');
    assert.equal(bodiesPathFor('/x/ledger.sqlite'), '/x/ledger.sqlite.bodies.db');
    assert.equal(bodiesPathFor(':memory:'), ':memory:');
  });
});
