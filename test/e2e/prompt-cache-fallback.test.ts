/**
 * Prompt-cache markers are placed per attempt, for the provider that receives it: a request whose first
 * target fails and falls back to another provider gets the markers (or the OpenAI prompt_cache_key) that
 * suit the fallback, never those planned for the first target, and only markers Penny placed on the
 * attempt that answered are booked as `cache.prompt` savings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import { totalSavings } from '../../src/core/ledger-entry.js';
import { type Harness, startHarness } from './harness.js';

/** About 1,500 tokens (characters / 4) of stable instructions: above Sonnet's and GPT's caching minimum. */
const LONG =
  'You are the billing assistant of Example Corp. Answer from the policy below and cite its section number. '.repeat(
    58,
  );

interface SentBody {
  system?: string | Array<{ text: string; cache_control?: unknown }>;
  messages: Array<{ role: string; content: string | Array<{ type: string; cache_control?: unknown }> }>;
  prompt_cache_key?: string;
}

/** Where a body carries cache_control markers (system blocks and message parts). */
function markers(b: SentBody): string[] {
  const out: string[] = [];
  if (Array.isArray(b.system))
    for (const [i, s] of b.system.entries()) if (s.cache_control) out.push(`system[${i}]`);
  for (const [i, m] of b.messages.entries()) {
    if (typeof m.content === 'string') continue;
    for (const [j, c] of m.content.entries()) if (c.cache_control) out.push(`messages[${i}][${j}]`);
  }
  return out;
}

describe('prompt-cache placement follows every attempt’s own target', () => {
  let h: Harness;
  let anthropic: Anthropic;
  let openai: OpenAI;
  const byId = async (id: string | null) => (await h.entries()).find((e) => e.id === id) as LedgerEntry;
  const sent = () =>
    h.fake.requests.map((r) => ({ path: r.path, status: r.status, body: r.body as SentBody }));

  before(async () => {
    h = await startHarness({
      config: {
        cache: { prompt: { warmup: 0 } },
        features: {
          // Primary OpenAI, fallback Claude.
          'to-claude': {
            cache: { prompt: { enabled: true } },
            route: {
              rules: [{ targets: ['gpt-4o-mini', 'anthropic/claude-sonnet-4-5'], choose: 'ordered' }],
              retry: { maxRetries: 0 },
            },
          },
          // Primary Claude, fallback OpenAI.
          'to-openai': {
            cache: { prompt: { enabled: true } },
            route: {
              rules: [{ targets: ['anthropic/claude-sonnet-4-5', 'gpt-4o-mini'], choose: 'ordered' }],
              retry: { maxRetries: 0 },
            },
          },
        },
      },
    });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: h.app.url, maxRetries: 0 });
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${h.app.url}/v1`, maxRetries: 0 });
  });
  after(() => h.close());

  test('OpenAI primary fails (500) → the Claude fallback carries cache_control markers, booked as cache.prompt', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 500 });
    const { response } = await anthropic.messages
      .create(
        {
          model: 'claude-sonnet-4-5',
          max_tokens: 100,
          system: LONG,
          messages: [{ role: 'user', content: 'Why was I billed twice? #fake:cache_write=1500' }],
        },
        { headers: { 'x-penny-feature': 'to-claude' } },
      )
      .withResponse();
    const [first, second] = sent();
    assert.equal(first?.path, '/v1/chat/completions');
    assert.equal(first?.status, 500);
    assert.deepEqual(markers(first!.body), [], 'the OpenAI attempt gets no Anthropic markers');
    assert.match(first!.body.prompt_cache_key ?? '', /^penny-/, 'the OpenAI attempt gets its own cache key');
    assert.equal(second?.path, '/v1/messages');
    const placed = markers(second!.body);
    assert.ok(placed.includes('system[0]'), `the Claude fallback is marked for Claude: ${placed}`);
    assert.equal(second!.body.prompt_cache_key, undefined);

    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.provider, 'anthropic');
    assert.ok(e.flags.includes('fallback'));
    const pc = e.meta?.promptCache as { target: string; placed: unknown[] };
    assert.equal(pc.target, 'anthropic');
    assert.equal(pc.placed.length, placed.length);
    // Sonnet 4.5: 5-minute write $3.75 vs input $3 per 1M tokens.
    assert.equal(e.savings['cache.prompt'], -1500n * 750_000n);
    assert.equal(e.baselineCost! - e.cost!, totalSavings(e), 'baseline − cost = Σ savings');
  });

  test('Claude primary fails (500) → the OpenAI fallback gets no Anthropic markers, and its cache reads are not booked', async () => {
    h.fake.reset();
    h.fake.setNext({ status: 500 });
    const { response } = await openai.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: LONG },
            { role: 'user', content: 'Why was I billed twice? #fake:cached=1024' },
          ],
        },
        { headers: { 'x-penny-feature': 'to-openai' } },
      )
      .withResponse();
    const [first, second] = sent();
    assert.equal(first?.path, '/v1/messages');
    assert.equal(first?.status, 500);
    assert.ok(markers(first!.body).includes('system[0]'), 'the Claude attempt is marked for Claude');
    assert.equal(second?.path, '/v1/chat/completions');
    assert.deepEqual(markers(second!.body), [], 'no Anthropic markers reach the OpenAI fallback');
    assert.match(
      second!.body.prompt_cache_key ?? '',
      /^penny-/,
      'the OpenAI fallback gets its own cache key',
    );

    const e = await byId(response.headers.get('x-penny-request-id'));
    assert.equal(e.provider, 'openai');
    assert.equal(e.cacheRead, 1024);
    assert.equal(
      e.savings['cache.prompt'],
      undefined,
      "OpenAI's automatic cache reads are not Penny's saving",
    );
    const pc = e.meta?.promptCache as { target: string; placed?: unknown[]; promptCacheKey?: string };
    assert.equal(pc.target, 'openai');
    assert.equal(pc.placed, undefined);
    assert.equal(pc.promptCacheKey, second!.body.prompt_cache_key);
    assert.equal(e.baselineCost! - e.cost!, totalSavings(e), 'baseline − cost = Σ savings');
  });
});
