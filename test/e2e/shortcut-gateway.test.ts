import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { type Harness, startHarness } from './harness.js';

const FAQ = `
entries:
  - id: refund-window
    questions:
      - How long do I have to return an item?
      - What is your return window?
      - Can I return something after a few weeks?
    answer: You can return unused items within 30 days of delivery.
  - id: cancel-subscription
    questions:
      - How do I cancel my subscription?
      - How can I cancel my plan?
    answer: Go to Settings → Billing and choose "Cancel subscription".
`;

describe('shortcut answers through the gateway', () => {
  let h: Harness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let hook: Server;
  let hookUrl: string;
  let faqDir: string;
  const hookCalls: unknown[] = [];
  before(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const payload = JSON.parse(body) as { named: { order?: string } };
        hookCalls.push(payload);
        if (req.url === '/slow') {
          setTimeout(() => res.end('{"answer":"too late"}'), 500);
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ answer: `Order ${payload.named.order} shipped yesterday.` }));
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    faqDir = mkdtempSync(join(tmpdir(), 'penny-faq-'));
    writeFileSync(join(faqDir, 'faq.yaml'), FAQ);
    h = await startHarness({
      config: {
        shortcut: {
          faqFile: join(faqDir, 'faq.yaml'),
          rules: [
            {
              name: 'hours',
              pattern: '\\bopening hours\\b',
              answer: 'We are open 9:00–17:00, Monday to Friday.',
            },
            {
              name: 'order',
              pattern: 'where is order (?<order>\\d+)',
              webhook: { url: `${hookUrl}/order`, timeoutMs: 2000 },
            },
            {
              name: 'slow',
              pattern: 'track parcel (\\d+)',
              webhook: { url: `${hookUrl}/slow`, timeoutMs: 50 },
            },
          ],
        },
        features: { support: { shortcut: {} } },
      },
    });
    const app = h.app;
    openai = new OpenAI({ apiKey: 'penny', baseURL: `${app.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: 'penny', baseURL: app.url, maxRetries: 0 });
  });
  after(async () => {
    await h.close();
    hook.closeAllConnections();
    await new Promise((r) => hook.close(r));
    rmSync(faqDir, { recursive: true, force: true });
  });
  const headers = { 'x-penny-feature': 'support' };

  test('FAQ answered with no upstream call (OpenAI, non-streamed), $0 cost and an estimated baseline', async () => {
    h.fake.reset();
    const { data, response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'how long do i have to return an item' }] },
        { headers },
      )
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'You can return unused items within 30 days of delivery.');
    assert.equal(data.choices[0]!.finish_reason, 'stop');
    assert.equal(response.headers.get('x-penny-shortcut'), 'faq');
    assert.equal(h.fake.count, 0, 'the fake upstream received no request');
    const e = (await h.entries()).at(-1)!;
    assert.equal(e.cost, 0n);
    assert.ok(e.baselineCost! > 0n);
    assert.equal(e.savings['shortcut.faq'], e.baselineCost);
    assert.ok(e.flags.includes('baseline_estimated'));
    assert.equal(((e.meta?.shortcut ?? {}) as { faq: string }).faq, 'refund-window');
  });

  test('FAQ streamed, in both dialects, from a paraphrase', async () => {
    h.fake.reset();
    const stream = await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'How can I cancel my subscription?' }],
      },
      { headers },
    );
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'Go to Settings → Billing and choose "Cancel subscription".');
    const final = await anthropic.messages
      .stream(
        {
          model: 'claude-haiku-4-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: "What's your return window?" }],
        },
        { headers },
      )
      .finalMessage();
    assert.equal(
      final.content[0]?.type === 'text' && final.content[0].text,
      'You can return unused items within 30 days of delivery.',
    );
    assert.equal(final.stop_reason, 'end_turn');
    const msg = await anthropic.messages.create(
      {
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'How can I cancel my plan?' }],
      },
      { headers },
    );
    assert.equal(msg.content[0]?.type === 'text' && msg.content[0].text.startsWith('Go to Settings'), true);
    assert.equal(h.fake.count, 0);
  });

  test('a negated FAQ question goes to the model', async () => {
    h.fake.reset();
    const r = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How do I not cancel my subscription?' }] },
      { headers },
    );
    assert.match(r.choices[0]!.message.content ?? '', /^echo:/);
    assert.equal(h.fake.count, 1);
    const e = (await h.entries()).at(-1)!;
    assert.match(
      String(((e.meta?.shortcut ?? {}) as { faqRejected?: string } | undefined)?.faqRejected),
      /negation/,
    );
  });

  test('rules: template answer and webhook answer; a webhook timeout falls through unchanged', async () => {
    h.fake.reset();
    const a = await openai.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What are your opening hours?' }] },
        { headers },
      )
      .withResponse();
    assert.equal(a.data.choices[0]!.message.content, 'We are open 9:00–17:00, Monday to Friday.');
    assert.equal(a.response.headers.get('x-penny-shortcut'), 'rule');
    const b = await openai.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Where is order 4417?' }] },
        { headers },
      )
      .withResponse();
    assert.equal(b.data.choices[0]!.message.content, 'Order 4417 shipped yesterday.');
    assert.equal(b.response.headers.get('x-penny-shortcut'), 'webhook');
    assert.equal(h.fake.count, 0);
    const e1 = (await h.entries()).at(-1)!;
    assert.ok(e1.savings['shortcut.rule']! > 0n);

    const c = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'track parcel 99' }] }, { headers })
      .withResponse();
    assert.match(c.data.choices[0]!.message.content ?? '', /^echo: track parcel 99/);
    assert.equal(c.response.headers.get('x-penny-shortcut'), null);
    assert.equal(h.fake.count, 1, 'the request went to the model');
    const e2 = (await h.entries()).at(-1)!;
    assert.deepEqual(((e2.meta?.shortcut ?? {}) as { webhook: unknown }).webhook, {
      rule: 'slow',
      failed: 'timeout',
    });
  });

  test('follow-up turns and other features are not shortcut', async () => {
    h.fake.reset();
    await openai.chat.completions.create(
      {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'user', content: 'I bought a lamp.' },
          { role: 'assistant', content: 'Nice.' },
          { role: 'user', content: 'How long do I have to return an item?' },
        ],
      },
      { headers },
    );
    await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'How long do I have to return an item?' }],
    });
    assert.equal(h.fake.count, 2);
  });
});
