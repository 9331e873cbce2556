import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalEmbedder } from '../semantic/local-embedder.js';
import { SemanticCache } from '../semantic/semantic-cache.js';
import type { SemanticScope } from '../semantic/scope.js';
import { MemorySemanticLog } from './memory-semantic-log.js';
import type { SemanticLog } from './semantic-log.js';
import { SemanticReplica } from './semantic-replica.js';

const scope: SemanticScope = {
  modelFamily: 'gpt-4o',
  systemHash: 's',
  toolsHash: 't',
  prefixHash: 'p',
  namespace: 'n',
};

function instance(log: SemanticLog, opts: ConstructorParameters<typeof SemanticReplica>[2] = {}) {
  let replica: SemanticReplica | undefined;
  const cache = new SemanticCache({
    embedder: new LocalEmbedder({}),
    onStore: (r) => replica!.publish(r),
  });
  replica = new SemanticReplica(cache, log, { batch: 2, ...opts });
  return { cache, replica };
}

test('an entry stored on one instance is found by a lookup on another after a sync', async () => {
  const log = new MemorySemanticLog();
  const a = instance(log);
  const b = instance(log);
  await a.cache.store({ scope, text: 'How do I cancel my subscription?', id: 'k1' });
  for (let i = 0; i < 4; i++) await a.cache.store({ scope, text: `Where is invoice ${i}?`, id: `inv${i}` });
  await a.replica.flushed();
  const miss = await b.cache.lookup({ scope, text: 'How can I cancel my subscription plan?' });
  assert.equal(miss.hit, null, 'nothing before the sync');
  assert.equal(await b.replica.sync(), 5, 'paged in batches of 2, every entry once');
  const hit = await b.cache.lookup({ scope, text: 'How can I cancel my subscription plan?' });
  assert.equal(hit.hit?.id, 'k1');
  // The guards still apply to replicated entries.
  const negated = await b.cache.lookup({ scope, text: 'How do I not cancel my subscription?' });
  assert.equal(negated.hit, null);
  assert.equal(await a.replica.sync(), 0, "an instance's own entries are already indexed");
  assert.equal(await b.replica.sync(), 0, 'nothing new');
});

test('ingest refuses vectors of another size and texts the cache would not store', () => {
  const { cache } = instance(new MemorySemanticLog());
  assert.equal(cache.ingest({ scope: 'x', id: 'a', text: 'hello', vector: new Float32Array(8) }), false);
  const v = new Float32Array(cache.index.dims);
  v[0] = 1;
  assert.equal(cache.ingest({ scope: 'x', id: 'b', text: '   ', vector: v }), false);
  assert.equal(cache.ingest({ scope: 'x', id: 'c', text: 'hello', vector: v }), true);
  assert.equal(cache.ingest({ scope: 'x', id: 'c', text: 'hello', vector: v }), false, 'already indexed');
});

test('a log that fails is reported and the instance keeps its index', async () => {
  const errors: string[] = [];
  const broken: SemanticLog = {
    kind: 'memory',
    append: async () => {
      throw new Error('down');
    },
    read: async () => {
      throw new Error('down');
    },
    close: async () => {},
  };
  const a = instance(broken, { onError: (_e, op) => errors.push(op) });
  const r = await a.cache.store({ scope, text: 'How do I cancel my subscription?', id: 'k1' });
  assert.equal(r.stored, true);
  await a.replica.flushed();
  assert.equal(await a.replica.sync(), 0);
  assert.deepEqual(errors, ['append', 'read']);
  assert.equal(
    (await a.cache.lookup({ scope, text: 'How can I cancel my subscription plan?' })).hit?.id,
    'k1',
  );
});
