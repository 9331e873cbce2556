import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load.js';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';
import { createLogger } from '../observability/logger.js';
import type { Outcome, RequestContext } from '../pipeline/context.js';
import { testContext } from '../pipeline/test-support.js';
import { unsettled } from '../pipeline/settle/settle.js';
import { featurePolicy } from '../pipeline/stage-deps.js';
import { CODECS } from '../providers/codecs.js';
import type { BodyStore, StoredExchange } from './body-store.js';
import { BODY_HASH, PROMPT_HASH, anyFeatureStoresPrompts, createBodyCapture } from './capture-stage.js';
import { promptHash } from './prompt-hash.js';

class FakeStore implements BodyStore {
  puts: Array<{ request: CanonicalRequest; response: CanonicalResponse }> = [];
  put(request: CanonicalRequest, response: CanonicalResponse): string {
    this.puts.push({ request, response });
    return `h${this.puts.length}`;
  }
  async get(): Promise<StoredExchange | undefined> {
    return undefined;
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

const loaded = loadConfig({
  object: { features: { support: { storePrompts: true }, search: { storePrompts: false } } },
  env: {},
});
const logger = createLogger('silent');
const answer: CanonicalResponse = {
  id: 'r',
  model: 'gpt-4o',
  created: 1,
  choices: [{ index: 0, content: [{ type: 'text', text: 'ok' }], finish: { unified: 'stop', raw: 'stop' } }],
  usage: null,
};

function ctxFor(feature: string | null): RequestContext {
  const request = CODECS.openai.parseRequest({ model: 'gpt-4o', messages: [{ role: 'user', content: 'q' }] });
  return testContext({
    id: 'req_1',
    startedAt: 1000,
    request,
    attribution: { feature, user: null, keyId: null },
    policy: featurePolicy(loaded, feature),
  });
}

function outcome(status: Outcome['status']): Outcome {
  return {
    status,
    httpStatus: status === 'ok' ? 200 : 500,
    provider: 'openai',
    servedModel: 'gpt-4o',
    usage: null,
    response: status === 'ok' ? answer : null,
    error: null,
    ttftMs: null,
    simulated: false,
    written: false,
  };
}

describe('body capture stage', () => {
  test('stores the exchange of a feature whose policy allows it, and links it from meta', async () => {
    const store = new FakeStore();
    const stage = createBodyCapture({ loaded, store, logger });
    const ctx = ctxFor('support');
    await stage.run(ctx, async () => outcome('ok'));
    assert.equal(store.puts.length, 1);
    assert.equal(store.puts[0]!.response, answer);
    assert.equal(ctx.slots.get(BODY_HASH), 'h1');
    assert.equal(ctx.slots.get(PROMPT_HASH), promptHash(ctx.original));
  });

  test('the prompt is hashed after the rest of the pipeline (the answer), not before the upstream call', async () => {
    const request = CODECS.openai.parseRequest({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'q' }],
    });
    let reads = 0;
    // Counts reads of what the hash covers: none may happen before next() has answered.
    const original = new Proxy(request, {
      get(t, k, r) {
        if (k === 'messages' || k === 'system') reads++;
        return Reflect.get(t, k, r) as unknown;
      },
    });
    const ctx = testContext({ request: original, original, policy: featurePolicy(loaded, null) });
    let readsInNext = -1;
    await createBodyCapture({ loaded, store: null, logger }).run(ctx, async () => {
      readsInNext = reads;
      return outcome('ok');
    });
    assert.equal(readsInNext, 0, 'the prompt was not read before the upstream call');
    assert.equal(ctx.slots.toMeta(unsettled(ctx, 'test'))?.promptHash, promptHash(request));
  });

  test('a feature without the policy (or with it off) gets only the prompt hash', async () => {
    const store = new FakeStore();
    const stage = createBodyCapture({ loaded, store, logger });
    for (const feature of ['search', 'other', null]) {
      const ctx = ctxFor(feature);
      await stage.run(ctx, async () => outcome('ok'));
      assert.equal(typeof ctx.slots.get(PROMPT_HASH), 'string');
      assert.equal(ctx.slots.get(BODY_HASH), undefined, `feature ${feature}`);
    }
    assert.equal(store.puts.length, 0);
  });

  test('a failed request stores nothing; no store at all still records the hash', async () => {
    const store = new FakeStore();
    const ctx = ctxFor('support');
    await createBodyCapture({ loaded, store, logger }).run(ctx, async () => outcome('error'));
    assert.equal(store.puts.length, 0);
    const ctx2 = ctxFor('support');
    await createBodyCapture({ loaded, store: null, logger }).run(ctx2, async () => outcome('ok'));
    assert.equal(typeof ctx2.slots.get(PROMPT_HASH), 'string');
    assert.equal(ctx2.slots.get(BODY_HASH), undefined);
  });

  test('anyFeatureStoresPrompts', () => {
    assert.equal(anyFeatureStoresPrompts(loaded), true);
    assert.equal(anyFeatureStoresPrompts(loadConfig({ object: {}, env: {} })), false);
    assert.equal(
      anyFeatureStoresPrompts(
        loadConfig({ object: { features: { default: { storePrompts: true } } }, env: {} }),
      ),
      true,
    );
  });
});
