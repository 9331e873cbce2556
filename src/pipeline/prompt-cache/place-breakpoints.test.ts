import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CanonicalRequest } from '../../core/request.js';
import { CODECS } from '../../providers/codecs.js';
import { applyBreakpoints, orderTtls, planBreakpoints } from './place-breakpoints.js';
import { scanPrefix } from './prefix-boundaries.js';
import type { PrefixStats } from './reuse-tracker.js';

const LONG = 'x'.repeat(6000); // 1,500 tokens by the estimate
const anthropic = (body: Record<string, unknown>): CanonicalRequest =>
  CODECS.anthropic.parseRequest({ model: 'claude-sonnet-4-5', max_tokens: 10, ...body });

function plan(
  req: CanonicalRequest,
  seen: (kind: string, index: number) => PrefixStats | undefined,
  min = 1024,
) {
  const scan = scanPrefix(req);
  const stats = new Map<string, PrefixStats>();
  for (const b of scan.boundaries) {
    const s = seen(b.kind, b.index);
    if (s) stats.set(b.hash, s);
  }
  return planBreakpoints({ req, scan, stats, minTokens: min, warmup: 1 });
}

test('scan: boundaries, estimated tokens and stable hashes across requests', () => {
  const a = scanPrefix(anthropic({ system: LONG, messages: [{ role: 'user', content: 'one' }] }));
  const b = scanPrefix(anthropic({ system: LONG, messages: [{ role: 'user', content: 'two' }] }));
  assert.deepEqual(
    a.boundaries.map((x) => [x.kind, x.index, x.tokens]),
    [
      ['system', 0, 1500],
      ['message', 0, 1501],
    ],
  );
  assert.equal(a.boundaries[0]!.hash, b.boundaries[0]!.hash);
  assert.notEqual(a.boundaries[1]!.hash, b.boundaries[1]!.hash);
});

test('plan: nothing on first sight; the reused system prompt next time', () => {
  const req = anthropic({ system: LONG, messages: [{ role: 'user', content: 'q' }] });
  assert.deepEqual(
    plan(req, () => ({ seen: 0 })),
    [],
  );
  assert.deepEqual(
    plan(req, (k) => (k === 'system' ? { seen: 1 } : { seen: 0 })),
    [{ kind: 'system', index: 0, tokens: 1500, ttl: '5m', reason: 'reused' }],
  );
});

test('plan: below the minimum nothing is marked', () => {
  const req = anthropic({ system: LONG, messages: [{ role: 'user', content: 'q' }] });
  assert.deepEqual(
    plan(req, () => ({ seen: 5 }), 4096),
    [],
  );
});

test('plan: a growing conversation marks the longest reused turn, the end and the system prompt', () => {
  const req = anthropic({
    system: LONG,
    tools: [{ name: 't', input_schema: { type: 'object' } }],
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ],
  });
  const placed = plan(req, (k, i) =>
    k === 'message' && i === 0
      ? { seen: 1 }
      : k === 'system'
        ? { seen: 3, medianGapMs: 60_000 }
        : { seen: 0 },
  );
  assert.deepEqual(
    placed.map((p) => [p.kind, p.index, p.reason, p.ttl]),
    [
      ['system', 0, 'static', '5m'],
      ['message', 0, 'reused', '5m'],
      ['message', 2, 'conversation', '5m'],
    ],
  );
});

test('plan: 1h for a prefix reused every 10 minutes, and 1h markers always come before 5m ones', () => {
  const req = anthropic({
    system: LONG,
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ],
  });
  const placed = plan(req, (k, i) =>
    k === 'system' ? { seen: 4, medianGapMs: 600_000 } : k === 'message' && i === 0 ? { seen: 1 } : undefined,
  );
  assert.deepEqual(
    placed.map((p) => [p.kind, p.ttl]),
    [
      ['system', '1h'],
      ['message', '5m'],
      ['message', '5m'],
    ],
  );
  const m = [
    { position: 0, ttl: '5m' as const },
    { position: 5, ttl: '1h' as const },
  ];
  orderTtls(m, [{ position: 9, ttl: '1h' }]);
  assert.deepEqual(
    m.map((x) => x.ttl),
    ['1h', '1h'],
    'a later caller 1h marker lifts earlier ones',
  );
  const n = [{ position: 5, ttl: '1h' as const }];
  orderTtls(n, [{ position: 1, ttl: '5m' }]);
  assert.deepEqual(
    n.map((x) => x.ttl),
    ['5m'],
    'after a caller 5m marker, only 5m',
  );
});

test("plan: the caller's markers count against the limit of 4; automatic caching is left alone", () => {
  const marked = (i: number) => ({ type: 'text', text: `${LONG}${i}`, cache_control: { type: 'ephemeral' } });
  const three = anthropic({
    system: [marked(0), marked(1), marked(2)],
    messages: [{ role: 'user', content: 'q' }],
  });
  const placed = plan(three, () => ({ seen: 2 }));
  assert.equal(placed.length, 1);
  assert.equal(placed[0]!.kind, 'message');
  const four = anthropic({
    system: [marked(0), marked(1), marked(2), marked(3)],
    messages: [{ role: 'user', content: 'q' }],
  });
  assert.deepEqual(
    plan(four, () => ({ seen: 2 })),
    [],
  );
  const auto = anthropic({
    system: LONG,
    cache_control: { type: 'ephemeral' },
    messages: [{ role: 'user', content: 'q' }],
  });
  assert.deepEqual(
    plan(auto, () => ({ seen: 2 })),
    [],
  );
});

test('apply: markers land on copies; the original request is untouched', () => {
  const req = anthropic({
    system: LONG,
    tools: [{ name: 't', input_schema: { type: 'object' } }],
    messages: [{ role: 'user', content: 'q' }],
  });
  const before = JSON.stringify(req);
  const out = applyBreakpoints(req, [
    { kind: 'tools', index: 0, tokens: 10, ttl: '1h', reason: 'static' },
    { kind: 'system', index: 0, tokens: 1500, ttl: '1h', reason: 'static' },
    { kind: 'message', index: 0, tokens: 1501, ttl: '5m', reason: 'conversation' },
  ]);
  assert.equal(JSON.stringify(req), before);
  assert.deepEqual(out.tools![0]!.cacheControl, { type: 'ephemeral', ttl: '1h' });
  assert.deepEqual(out.system[0]!.cacheControl, { type: 'ephemeral', ttl: '1h' });
  assert.deepEqual((out.messages[0]!.content[0] as { cacheControl?: unknown }).cacheControl, {
    type: 'ephemeral',
  });
  const wire = CODECS.anthropic.renderRequest(out, {
    model: 'claude-sonnet-4-5',
    forceStreamUsage: false,
  }) as {
    system: Array<{ cache_control?: unknown }>;
  };
  assert.deepEqual(wire.system[0]!.cache_control, { type: 'ephemeral', ttl: '1h' });
});
