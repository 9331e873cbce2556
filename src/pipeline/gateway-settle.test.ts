/**
 * Issue 16, item 1 (structural part): whatever fails while the answer is written — a header Node refuses,
 * a sink that throws on start, on a chunk or on the end — the call still ends with its ledger entry, the
 * usage the provider billed is kept, and the entry says what the client got.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import { createLogger } from '../observability/logger.js';
import { loadCatalog } from '../pricing/catalog.js';
import type { ResponseSink } from './context.js';
import { Gateway } from './gateway.js';

type Fault = 'json' | 'startStream' | 'write' | 'end' | 'none';

class ThrowingSink implements ResponseSink {
  closed = false;
  answered: { status: number; body: string } | undefined;
  aborted = false;
  headers: Record<string, string> | undefined;
  constructor(private readonly fault: Fault) {}
  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    // Like node:http, refuse the whole answer if a header value is illegal.
    for (const v of Object.values(headers))
      if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) throw new TypeError('ERR_INVALID_CHAR');
    if (this.fault === 'json' && status === 200) throw new Error('json failed');
    this.headers = headers;
    this.answered = { status, body: String(body) };
  }
  startStream(_status: number, headers: Record<string, string>): void {
    for (const v of Object.values(headers))
      if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) throw new TypeError('ERR_INVALID_CHAR');
    if (this.fault === 'startStream') throw new Error('start failed');
    this.headers = headers;
  }
  write(): void {
    if (this.fault === 'write') throw new Error('write failed');
  }
  end(): void {
    if (this.fault === 'end') throw new Error('end failed');
  }
  abort(): void {
    this.aborted = true;
    this.closed = true;
  }
}

function gateway() {
  const loaded = loadConfig({ object: {}, env: {} });
  const ledger = new MemoryLedger();
  const gw = new Gateway({
    loaded,
    catalog: loadCatalog({ files: [], overrides: {} }),
    ledger,
    logger: createLogger('silent'),
  });
  return { gw, ledger };
}

function call(
  sink: ResponseSink,
  model: string,
  stream: boolean,
  dialect: 'openai' | 'anthropic' = 'openai',
) {
  return {
    dialect,
    body: { model, max_tokens: 20, stream, messages: [{ role: 'user', content: 'hi' }] },
    headers: {},
    sink,
    signal: new AbortController().signal,
  };
}

describe('the ledger entry survives any failure while answering', () => {
  test('a model name that is not a legal header value: answered with an encoded x-penny-model, recorded ok', async () => {
    for (const dialect of ['openai', 'anthropic'] as const) {
      const { gw, ledger } = gateway();
      const sink = new ThrowingSink('none');
      const entry = await gw.handle(call(sink, 'gpt-4o-mini-日本', false, dialect));
      assert.equal(sink.answered?.status, 200);
      assert.equal(decodeURIComponent(sink.headers!['x-penny-model']!), 'gpt-4o-mini-日本');
      assert.equal(entry.status, 'ok');
      assert.equal((await ledger.query({})).length, 1);
    }
  });

  for (const fault of ['json', 'startStream', 'write', 'end'] as const) {
    test(`the sink throws on ${fault}: one entry with usage, status says what the client got`, async () => {
      const { gw, ledger } = gateway();
      const sink = new ThrowingSink(fault);
      const entry = await gw.handle(call(sink, 'gpt-4o-mini', fault !== 'json'));
      const stored = await ledger.query({});
      assert.equal(stored.length, 1);
      assert.equal(entry.status, 'error');
      assert.ok(entry.flags.includes('response_write_failed'), entry.flags.join());
      assert.ok(entry.outputText > 0, 'the usage the provider billed is kept');
      if (fault === 'json' || fault === 'startStream') {
        // Nothing was sent yet: the client gets a proper error answer.
        assert.equal(sink.answered?.status, 500);
        assert.equal(entry.httpStatus, 500);
        assert.match(sink.answered!.body, /could not write the answer/);
      } else {
        // The stream had started: the connection is closed, never left hanging.
        assert.equal(sink.aborted, true);
        assert.equal(entry.httpStatus, 200);
      }
    });
  }
});
