import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalResponse, Choice } from '../core/response.js';
import { CODECS } from '../providers/codecs.js';
import { toFinetuneExample } from './finetune-format.js';

function response(choice: Partial<Choice>): CanonicalResponse {
  return {
    id: 'r',
    model: 'gpt-4o',
    created: 1,
    choices: [{ index: 0, content: [], finish: { unified: 'stop', raw: 'stop' }, ...choice }],
    usage: null,
  };
}

describe('toFinetuneExample', () => {
  test('system, user and the assistant answer, in OpenAI chat fine-tuning shape', () => {
    const req = CODECS.openai.parseRequest({
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
      ],
      temperature: 0.3,
    });
    const ex = toFinetuneExample(req, response({ content: [{ type: 'text', text: 'Bonjour' }] }));
    assert.deepEqual(ex, {
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
      ],
    });
  });

  test('an Anthropic request keeps its tools and tool turns, translated to OpenAI shape', () => {
    const req = CODECS.anthropic.parseRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      tools: [{ name: 'get_weather', description: 'w', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'tu_1', name: 'get_weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: 'sunny' }] },
      ],
    });
    const ex = toFinetuneExample(req, response({ content: [{ type: 'text', text: 'Sunny.' }] }));
    assert.ok(ex);
    assert.deepEqual(
      ex.messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool', 'assistant'],
    );
    assert.deepEqual(ex.messages[2]!.tool_calls, [
      { id: 'tu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
    assert.equal(ex.messages[2]!.content, undefined, 'no null content');
    assert.equal(ex.messages[3]!.tool_call_id, 'tu_1');
    assert.deepEqual(ex.tools, [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'w', parameters: { type: 'object' } },
      },
    ]);
  });

  test('an answer that is a tool call is kept; an empty answer is not an example', () => {
    const req = CODECS.openai.parseRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const call = toFinetuneExample(
      req,
      response({
        content: [{ type: 'tool_call', id: 'c1', name: 'f', arguments: '{}' }],
        finish: { unified: 'tool_calls', raw: 'tool_calls' },
      }),
    );
    assert.deepEqual(call?.messages.at(-1), {
      role: 'assistant',
      tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    assert.equal(toFinetuneExample(req, response({ content: [] })), null);
  });
});
