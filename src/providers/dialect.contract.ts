/**
 * The dialect contract: what every provider module must do, as one node:test suite. Everything is driven
 * from canonical values (request, response, stream events, usage, errors) through the module's own
 * codec and back, so a new provider needs no fixtures of its own: register it in modules.ts and
 * dialect-contract.test.ts runs this suite on it; each failing test names what is missing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PennyError } from '../core/errors.js';
import type { CanonicalRequest, ContentPart } from '../core/request.js';
import type { CanonicalResponse, FinishReason, StreamEvent } from '../core/response.js';
import { choiceText } from '../core/response.js';
import type { Usage } from '../core/usage.js';
import type { ProviderModuleV1 } from './provider-module.js';
import { SseParser } from './sse.js';
import { upstreamErrorCode } from './upstream-status.js';

const PROVIDER = 'contract-upstream';

function canonicalRequest(m: ProviderModuleV1, over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    dialect: m.dialect,
    model: 'contract-model',
    system: [{ type: 'text', text: 'You are terse.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'What is 2 + 2?' }] },
      { role: 'assistant', content: [{ type: 'text', text: '4.' }] },
      { role: 'user', content: [{ type: 'text', text: 'And 3 + 3?' }] },
    ],
    tools: [
      {
        name: 'add',
        description: 'adds two numbers',
        parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
      },
    ],
    maxTokens: 64,
    temperature: 0.5,
    stream: false,
    extra: {},
    ...over,
  };
}

/** Usage with every split the dialect can report: cache reads, cache writes per TTL, reasoning. */
function fullUsage(m: ProviderModuleV1): Usage {
  return {
    inputUncached: 1000,
    cacheRead: 200,
    cacheWrite5m: 300,
    cacheWrite1h: m.capabilities.cacheWriteTtls.includes('1h') ? 50 : 0,
    outputText: 70,
    reasoning: 30,
  };
}

function counts(u: Usage | null | undefined): Omit<Usage, 'raw' | 'estimated'> | null {
  if (!u) return null;
  const { raw: _raw, estimated: _estimated, ...rest } = u;
  return rest;
}

function response(m: ProviderModuleV1, finish: FinishReason, content: ContentPart[]): CanonicalResponse {
  return {
    id: 'resp_contract_1',
    model: 'contract-model',
    created: 1_760_000_000,
    choices: [{ index: 0, content, finish: { unified: finish, raw: null } }],
    usage: fullUsage(m),
  };
}

/** Encodes canonical events for a client of the dialect, then decodes the SSE text as an upstream's. */
function streamRoundTrip(m: ProviderModuleV1, events: StreamEvent[], req: CanonicalRequest): StreamEvent[] {
  const encoder = m.codec.createStreamEncoder(req);
  const text = events.map((e) => encoder.encode(e)).join('');
  const parser = new SseParser();
  const decoder = m.codec.createStreamDecoder(PROVIDER);
  const sse = [...parser.push(text), ...parser.end()];
  return sse.flatMap((ev) => decoder.decode(ev));
}

export function dialectContract(m: ProviderModuleV1): void {
  describe(`dialect contract: ${m.dialect} (${m.label})`, () => {
    test('module: specification v1, codec and provider types speak its dialect', () => {
      assert.equal(m.specificationVersion, 'v1');
      assert.equal(m.codec.name, m.dialect, 'codec.name is the module dialect');
      for (const [type, spec] of Object.entries(m.providerTypes))
        assert.equal(spec.dialect, m.dialect, `provider type ${type} speaks ${m.dialect}`);
      if (m.capabilities.logprobs) assert.ok(m.parseLogprobs, 'capabilities.logprobs needs parseLogprobs');
      if (m.clientKey.requirePrefix) assert.ok(m.clientKey.prefix, 'clientKey.requirePrefix needs a prefix');
    });

    test('request: render then parse keeps model, system, turns, tools and sampling', () => {
      const req = canonicalRequest(m);
      const body = m.codec.renderRequest(req, { model: 'contract-model-2', forceStreamUsage: false });
      const back = m.codec.parseRequest(JSON.parse(JSON.stringify(body)));
      assert.equal(back.dialect, m.dialect);
      assert.equal(back.model, 'contract-model-2');
      assert.deepEqual(
        back.system.map((p) => p.text),
        ['You are terse.'],
      );
      assert.deepEqual(
        back.messages.map((msg) => [msg.role, msg.content.map((p) => (p.type === 'text' ? p.text : p.type))]),
        req.messages.map((msg) => [msg.role, msg.content.map((p) => (p.type === 'text' ? p.text : p.type))]),
      );
      assert.deepEqual(
        back.tools?.map((t) => t.name),
        ['add'],
      );
      assert.equal(back.maxTokens, 64);
      assert.equal(back.temperature, 0.5);
      assert.equal(back.stream, false);
    });

    test('request: a streamed request stays streamed', () => {
      const req = canonicalRequest(m, { stream: true });
      const body = m.codec.renderRequest(req, { model: 'contract-model', forceStreamUsage: true });
      assert.equal(m.codec.parseRequest(JSON.parse(JSON.stringify(body))).stream, true);
    });

    test('response: render then parse keeps text, finish reason and usage', () => {
      const req = canonicalRequest(m);
      const res = response(m, 'stop', [{ type: 'text', text: 'Six.' }]);
      const back = m.codec.parseResponse(
        JSON.parse(JSON.stringify(m.codec.renderResponse(res, req))),
        PROVIDER,
      );
      assert.equal(back.choices.length, 1);
      assert.equal(choiceText(back.choices[0]!), 'Six.');
      assert.equal(back.choices[0]!.finish.unified, 'stop');
      assert.deepEqual(counts(back.usage), counts(res.usage));
    });

    test('finish reasons: stop, length and tool_calls survive a round trip', () => {
      const req = canonicalRequest(m);
      const cases: Array<[FinishReason, ContentPart[]]> = [
        ['stop', [{ type: 'text', text: 'done' }]],
        ['length', [{ type: 'text', text: 'cut o' }]],
        ['tool_calls', [{ type: 'tool_call', id: 'call_1', name: 'add', arguments: '{"a":3,"b":3}' }]],
      ];
      for (const [finish, content] of cases) {
        const body = JSON.parse(JSON.stringify(m.codec.renderResponse(response(m, finish, content), req)));
        const back = m.codec.parseResponse(body, PROVIDER);
        assert.equal(back.choices[0]!.finish.unified, finish, `finish ${finish}`);
        if (finish === 'tool_calls') {
          const call = back.choices[0]!.content.find((p) => p.type === 'tool_call');
          assert.ok(call && call.type === 'tool_call', 'the tool call is kept');
          assert.equal(call.name, 'add');
          assert.deepEqual(JSON.parse(call.arguments), { a: 3, b: 3 });
        }
      }
    });

    test('usage: cache reads, cache writes per TTL and reasoning survive render then parse', () => {
      const u = fullUsage(m);
      assert.deepEqual(counts(m.usage.parse(m.usage.render(u))), u);
      assert.deepEqual(
        counts(m.codec.parseUsage(m.usage.render(u))),
        u,
        'the codec uses the module converter',
      );
      const zero = {
        inputUncached: 0,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: 0,
        reasoning: 0,
      };
      assert.deepEqual(counts(m.usage.parse(undefined)), zero, 'missing usage counts as zero');
    });

    test('stream: encoded events decode back to the same text, finish and usage', () => {
      const req = canonicalRequest(m, { stream: true, streamUsage: true });
      const usage = fullUsage(m);
      const events: StreamEvent[] = [
        { type: 'start', id: 'resp_contract_2', model: 'contract-model', created: 1_760_000_000 },
        { type: 'text', index: 0, text: 'Si' },
        { type: 'text', index: 0, text: 'x.' },
        { type: 'finish', index: 0, finish: { unified: 'stop', raw: null } },
        { type: 'usage', usage },
        { type: 'end' },
      ];
      const back = streamRoundTrip(m, events, req);
      const text = back.map((e) => (e.type === 'text' ? e.text : '')).join('');
      assert.equal(text, 'Six.');
      const finish = back.find((e) => e.type === 'finish');
      assert.ok(finish && finish.type === 'finish', 'a finish event');
      assert.equal(finish.finish.unified, 'stop');
      const reported = [...back].reverse().find((e) => e.type === 'usage');
      assert.ok(reported && reported.type === 'usage', 'a usage event');
      assert.deepEqual(counts(reported.usage), usage);
    });

    test('errors: each codec renders its own error body, and parses it back by status', () => {
      const cases = [
        new PennyError('invalid_request', 'messages[0].content is required', {
          param: 'messages[0].content',
        }),
        new PennyError('unauthorized', 'missing key'),
        new PennyError('budget_exceeded', 'feature budget spent'),
        new PennyError('upstream_timeout', 'upstream took too long'),
        new PennyError('internal', 'internal error: boom'),
      ];
      for (const err of cases) {
        const wire = m.renderError(err);
        assert.equal(wire.status, err.status, `${err.code}: status`);
        assert.equal(m.codec.renderError(err).status, wire.status, 'codec and module render alike');
        const parsed = m.codec.parseError(wire.status, JSON.stringify(wire.body), PROVIDER);
        assert.equal(parsed.code, upstreamErrorCode(wire.status).code, `${err.code}: code by status`);
        assert.ok(parsed.message.includes(err.message), `${err.code}: message kept (${parsed.message})`);
      }
    });

    test('errors: a stream error event decodes as an error', () => {
      const err = new PennyError('upstream_error', 'the upstream broke mid-stream');
      const parser = new SseParser();
      const decoder = m.codec.createStreamDecoder(PROVIDER);
      const sse = [...parser.push(m.codec.encodeStreamError(err)), ...parser.end()];
      const events = sse.flatMap((ev) => decoder.decode(ev));
      const e = events.find((x) => x.type === 'error');
      assert.ok(e && e.type === 'error', `an error event (got ${JSON.stringify(events)})`);
      assert.ok(e.message.includes('the upstream broke mid-stream'));
    });
  });
}
