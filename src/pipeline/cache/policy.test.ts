import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODECS } from '../../providers/codecs.js';
import type { Outcome } from '../context.js';
import { cacheFeatureSchema, cacheGlobalSchema } from './config.js';
import { outcomeNotStorable, requestNotCacheable, resolvePolicy } from './policy.js';

const global = cacheGlobalSchema.parse({});

test('policy: off unless enabled; TTL defaults and is clamped', () => {
  assert.equal(resolvePolicy(undefined, global), null);
  assert.equal(resolvePolicy(cacheFeatureSchema.parse({}), global), null);
  const p = resolvePolicy(cacheFeatureSchema.parse({ enabled: true }), global)!;
  assert.equal(p.ttlSeconds, 3600);
  assert.equal(p.store, 'sqlite');
  assert.equal(p.dedupe, true);
  const long = resolvePolicy(cacheFeatureSchema.parse({ enabled: true, ttlSeconds: 10 ** 9 }), global)!;
  assert.equal(long.ttlSeconds, global.maxTtlSeconds);
});

test('policy: sampling is cached only when allowed; no temperature means the default of 1', () => {
  const strict = resolvePolicy(cacheFeatureSchema.parse({ enabled: true }), global)!;
  const loose = resolvePolicy(cacheFeatureSchema.parse({ enabled: true, allowSampling: true }), global)!;
  const req = (t?: number) =>
    CODECS.openai.parseRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      ...(t === undefined ? {} : { temperature: t }),
    });
  assert.equal(requestNotCacheable(req(0), strict), null);
  assert.equal(requestNotCacheable(req(0.2), strict), 'sampling');
  assert.equal(requestNotCacheable(req(), strict), 'sampling');
  assert.equal(requestNotCacheable(req(1), loose), null);
});

const ok = (
  finish: 'stop' | 'length' | 'tool_calls' | 'content_filter',
  extra: Partial<Outcome> = {},
): Outcome => {
  const usage = {
    inputUncached: 1,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 1,
    reasoning: 0,
  };
  return {
    status: 'ok',
    httpStatus: 200,
    provider: 'p',
    servedModel: 'm',
    usage,
    response: {
      id: 'r',
      model: 'm',
      created: 0,
      usage,
      choices: [{ index: 0, content: [], finish: { unified: finish, raw: null } }],
    },
    error: null,
    ttftMs: null,
    simulated: false,
    written: false,
    ...extra,
  };
};

test('storable: only complete successes', () => {
  assert.equal(outcomeNotStorable(ok('stop'), []), null);
  assert.equal(outcomeNotStorable(ok('tool_calls'), []), null);
  assert.equal(outcomeNotStorable(ok('length'), []), 'finish_length');
  assert.equal(outcomeNotStorable(ok('content_filter'), []), 'finish_content_filter');
  assert.equal(outcomeNotStorable(ok('stop', { status: 'error' }), []), 'error');
  assert.equal(outcomeNotStorable(ok('stop', { status: 'aborted' }), []), 'aborted');
  assert.equal(outcomeNotStorable(ok('stop'), ['client_aborted']), 'aborted');
  const est = ok('stop');
  est.usage = { ...est.usage!, estimated: true };
  assert.equal(outcomeNotStorable(est, []), 'usage_estimated');
  assert.equal(outcomeNotStorable(ok('stop', { response: null }), []), 'no_response');
});
