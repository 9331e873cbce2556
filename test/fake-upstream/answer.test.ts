import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAnswer, DEFAULT_WORDS, sampleValue } from './answer.js';
import { anthropicView, inputTokensOf, openAiView, type RequestView } from './request-view.js';

function view(text: string, over: Partial<RequestView> = {}): RequestView {
  return { ...openAiView({ model: 'm', messages: [{ role: 'user', content: text }] }), ...over };
}

describe('deterministic answers', () => {
  test('echo padded or truncated to N words; tokens = words', () => {
    const a = buildAnswer(view('one two'), {}, 'id', undefined);
    assert.equal(a.pieces.length, DEFAULT_WORDS);
    assert.equal(a.text, 'echo: one two lorem ipsum dolor sit amet consectetur adipiscing elit lorem');
    assert.equal(a.usage.output, DEFAULT_WORDS);
    const b = buildAnswer(view('a b c d e f'), { words: 3 }, 'id', undefined);
    assert.equal(b.text, 'echo: a b');
    assert.deepEqual(b.pieces, ['echo:', ' a', ' b']);
    assert.equal(b.finish, 'stop');
  });

  test('max tokens cut with finish length; stop sequences cut with finish stop', () => {
    const capped = buildAnswer(view('a b c d', { maxTokens: 2 }), {}, 'id', undefined);
    assert.equal(capped.text, 'echo: a');
    assert.equal(capped.finish, 'length');
    const stopped = buildAnswer(view('a b c d', { stop: ['d', 'b'] }), {}, 'id', undefined);
    assert.equal(stopped.text, 'echo: a ');
    assert.equal(stopped.stopSequence, 'b');
    assert.equal(stopped.usage.output, stopped.pieces.length);
  });

  test('tool calls only when asked and not right after a tool result', () => {
    const tools = [{ name: 't', schema: { type: 'object', properties: { n: { type: 'integer' } } } }];
    const asked = buildAnswer(view('x', { tools }), { tool: true }, 'call_1', undefined);
    assert.equal(asked.toolCall?.arguments, '{"n":1}');
    assert.equal(asked.finish, 'tool_calls');
    assert.equal(
      buildAnswer(view('x', { tools, endsWithToolResult: true }), { tool: true }, 'c', undefined).toolCall,
      undefined,
    );
    assert.equal(
      buildAnswer(view('x', { tools, toolsDisabled: true }), { tool: true }, 'c', undefined).toolCall,
      undefined,
    );
    assert.ok(buildAnswer(view('x', { tools, forcedTool: '' }), {}, 'c', undefined).toolCall);
  });

  test('json modes', () => {
    const obj = buildAnswer(view('q'), { words: 3 }, 'id', { kind: 'object' });
    assert.deepEqual(JSON.parse(obj.text), { answer: 'echo: q lorem' });
    assert.equal(obj.usage.output, 3);
    const schema = buildAnswer(view('q'), {}, 'id', {
      kind: 'schema',
      schema: {
        type: 'object',
        properties: { ok: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } },
      },
    });
    assert.deepEqual(JSON.parse(schema.text), { ok: true, tags: ['fake'] });
  });

  test('usage adds cache directives on top of the character-derived input', () => {
    const a = buildAnswer(
      view('x'.repeat(40)),
      { cached: 100, cacheWrite: 5, reasoning: 7 },
      'id',
      undefined,
    );
    assert.deepEqual(a.usage, {
      input: 10,
      cached: 100,
      cacheWrite5m: 5,
      cacheWrite1h: 0,
      output: DEFAULT_WORDS,
      reasoning: 7,
    });
  });

  test('views read both dialects', () => {
    const o = openAiView({
      model: 'gpt-4o',
      max_completion_tokens: 9,
      stop: 'END',
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'first' },
            { type: 'text', text: 'second' },
          ],
        },
        { role: 'tool', tool_call_id: 'x', content: 'r' },
      ],
    });
    assert.equal(o.lastUserText, 'first\nsecond');
    assert.equal(o.endsWithToolResult, true);
    assert.equal(o.forcedTool, '');
    assert.equal(o.maxTokens, 9);
    assert.deepEqual(o.stop, ['END']);
    const a = anthropicView({
      model: 'claude-haiku-4-5',
      max_tokens: 5,
      tool_choice: { type: 'tool', name: 'g' },
      tools: [{ name: 'g', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'question' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'tu', name: 'g', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu', content: 'r' }] },
      ],
    });
    assert.equal(a.lastUserText, 'question');
    assert.equal(a.endsWithToolResult, true);
    assert.equal(a.forcedTool, 'g');
    assert.equal(inputTokensOf({ system: 'abcd', messages: [{ role: 'user', content: 'abcd' }] }), 2);
  });

  test('sampleValue satisfies common schema shapes', () => {
    assert.equal(sampleValue({ enum: ['b', 'a'] }), 'b');
    assert.equal(sampleValue({ type: ['integer', 'null'], minimum: 3 }), 3);
    assert.deepEqual(sampleValue({ anyOf: [{ type: 'boolean' }, { type: 'string' }] }), true);
  });
});
