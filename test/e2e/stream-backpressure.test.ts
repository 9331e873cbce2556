/**
 * A slow streaming client holds its upstream back: while the client's socket is full, Penny pauses the
 * upstream's socket instead of reading the whole answer into memory, and resumes when the client reads.
 * The upstream here streams far more than the sockets' buffers hold, and can finish only if Penny reads it.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type PennyApp, startPenny } from '../../src/app.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { createLogger } from '../../src/observability/logger.js';

const EVENTS = 512;
const CONTENT = 'a'.repeat(64 * 1024); // 512 events of 64 KB: 32 MB of answer

describe('streamed answers: backpressure from a slow client to the upstream', () => {
  let app: PennyApp;
  let ledger: MemoryLedger;
  let finished = false;
  const upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const pump = () => {
        while (i < EVENTS) {
          const ev = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
          const chunk = { ...ev, choices: [{ index: 0, delta: { content: CONTENT }, finish_reason: null }] };
          i++;
          if (!res.write(`data: ${JSON.stringify(chunk)}\n\n`)) {
            res.once('drain', pump);
            return;
          }
        }
        const last = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
        res.write(
          `data: ${JSON.stringify({ ...last, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
        );
        res.write(
          `data: ${JSON.stringify({ ...last, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } })}\n\n`,
        );
        res.end('data: [DONE]\n\n', () => {
          finished = true;
        });
      };
      pump();
    });
  });

  before(async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    ledger = new MemoryLedger();
    app = await startPenny({
      object: {
        server: { port: 0 },
        providers: {
          openai: {
            type: 'openai',
            baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
            apiKey: 'sk-test-0123456789abcdefghij',
          },
        },
      },
      env: {},
      logger: createLogger('silent', () => {}),
      ledger,
    });
  });
  after(async () => {
    await app.close();
    upstream.closeAllConnections();
    upstream.close();
  });

  test('the upstream cannot finish while the client reads nothing; the client then gets every event', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'a long answer, please' }],
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer penny' },
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(body);
    });
    assert.equal(res.statusCode, 200);
    res.pause();
    // Not a timing: long enough for 32 MB to cross loopback many times over; with backpressure the upstream
    // never finishes while the client reads nothing, however long this waits.
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(finished, false, 'Penny read the whole upstream answer while its client read nothing');
    let text = '';
    res.setEncoding('utf8');
    for await (const c of res) text += c;
    assert.equal(finished, true);
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '));
    const content = events
      .filter((e) => e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
      .map((e) => e.choices[0]?.delta.content ?? '')
      .join('');
    assert.equal(content.length, EVENTS * CONTENT.length);
    assert.equal(events.at(-1), 'data: [DONE]');
    await app.gateway.drain();
    const [entry] = await ledger.query({});
    assert.equal(entry?.status, 'ok');
    assert.equal(entry?.outputText, 7);
  });
});
