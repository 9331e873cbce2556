import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Dispatcher } from 'undici';
import { CallAbort } from '../core/call-signal.js';
import { fullGc } from '../tokens/full-gc.js';
import type { PennyError } from '../core/errors.js';
import type { ResolvedProvider } from '../config/load.js';
import { Upstreams } from './upstream.js';
import { UpstreamCall, type UpstreamStream } from './upstream-call.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

describe('upstream calls over the dispatch handler (real sockets)', () => {
  const routes = new Map<string, Route>();
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => routes.get(req.url ?? '')?.(req, res));
  });
  let upstreams: Upstreams;
  let base: string;
  const provider = (over: Partial<ResolvedProvider> = {}) =>
    ({
      name: 'up',
      type: 'openai',
      baseUrl: base,
      apiKey: 'sk-test-key',
      headers: {},
      maxConnections: 4,
      timeoutMs: 10_000,
      idleTimeoutMs: 10_000,
      deployments: {},
      ...over,
    }) as unknown as ResolvedProvider;
  const call = (path: string, ac = new CallAbort(), over: Partial<ResolvedProvider> = {}) =>
    upstreams.call(provider(over), 'm', '{}', { apiKey: 'sk-test-key', signal: ac.signal, path });
  const open = (path: string, ac = new CallAbort(), over: Partial<ResolvedProvider> = {}) =>
    upstreams.open(provider(over), 'm', '{}', { apiKey: 'sk-test-key', signal: ac.signal, path });

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    upstreams = new Upstreams();
  });
  after(async () => {
    await upstreams.close();
    server.closeAllConnections();
    server.close();
  });

  test('a whole answer: status, headers and text in one promise; the signal is let go at the end', async () => {
    routes.set('/whole', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-thing': 'a' });
      res.write('{"a":');
      setImmediate(() => res.end('"é"}'));
    });
    const ac = new CallAbort();
    let removed = 0;
    const remove = ac.removeEventListener.bind(ac);
    ac.removeEventListener = (type, listener) => {
      removed++;
      remove(type, listener);
    };
    const seen: number[] = [];
    const res = await upstreams.call(provider(), 'm', '{}', {
      apiKey: 'k',
      signal: ac.signal,
      path: '/whole',
      onResponse: (status) => seen.push(status),
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-thing'], 'a');
    assert.equal(res.text, '{"a":"é"}');
    assert.deepEqual(seen, [200]);
    assert.equal(removed, 1);
    ac.abort(); // after the end: nothing listens, nothing happens
  });

  test('an error answer keeps its status, headers and body', async () => {
    routes.set('/429', (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '7' });
      res.end('{"error":{"message":"slow down"}}');
    });
    const res = await call('/429');
    assert.equal(res.statusCode, 429);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.text, '{"error":{"message":"slow down"}}');
    const s = await open('/429');
    assert.equal(s.statusCode, 429);
    assert.equal(await s.body.text(), '{"error":{"message":"slow down"}}');
  });

  test('an abort before the headers: client_aborted, and the upstream connection is closed', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const arrived = new Promise<void>((r) =>
      routes.set('/hang', (req) => {
        closed = once(req.socket, 'close');
        r();
      }),
    );
    const ac = new CallAbort();
    const p = call('/hang', ac);
    await arrived;
    ac.abort();
    await assert.rejects(p, (e: PennyError) => e.code === 'client_aborted');
    await closed;
  });

  test('headers timeout and body timeout are upstream_timeout', async () => {
    routes.set('/silent', () => {});
    await assert.rejects(
      call('/silent', new CallAbort(), { name: 'headers-50ms', timeoutMs: 50 }),
      (e: PennyError) => e.code === 'upstream_timeout' && /HEADERS_TIMEOUT/.test(e.message),
    );
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"a":1}\n\n');
    });
    const s = await open('/stall', new CallAbort(), { name: 'body-50ms', idleTimeoutMs: 50 });
    const got: string[] = [];
    const read = s.body.each((c) => got.push(c.toString()) > 0);
    await assert.rejects(read, (e: { code?: string }) => e.code === 'UND_ERR_BODY_TIMEOUT');
    assert.deepEqual(got, ['data: {"a":1}\n\n']);
    // A whole answer whose body stalls: the same timeout, mapped.
    await assert.rejects(
      call('/stall', new CallAbort(), { name: 'body-50ms', idleTimeoutMs: 50 }),
      (e: PennyError) => e.code === 'upstream_timeout' && /BODY_TIMEOUT/.test(e.message),
    );
  });

  test('an abort mid-stream ends the read with the reason and closes the upstream connection', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    routes.set('/events', (req, res) => {
      closed = once(req.socket, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const ac = new CallAbort();
    const s = await open('/events', ac);
    const why = new Error('client went away');
    const read = s.body.each(() => {
      ac.abort(why);
      return true;
    });
    await assert.rejects(read, (e) => e === why);
    await closed;
  });

  test('stop(): the read resolves at once and the upstream connection is closed', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    routes.set('/endless', (req, res) => {
      closed = once(req.socket, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const t = setInterval(() => res.write('data: x\n\n'), 5);
      res.on('close', () => clearInterval(t));
    });
    const s = await open('/endless');
    let n = 0;
    await s.body.each(() => {
      if (++n === 3) s.body.stop();
      return true;
    });
    assert.equal(n, 3);
    await closed;
  });

  test('a reader that throws: the read rejects with its error and the upstream is aborted', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    routes.set('/throws', (req, res) => {
      closed = once(req.socket, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const s = await open('/throws');
    const boom = new Error('decoder broke');
    await assert.rejects(
      s.body.each(() => {
        throw boom;
      }),
      (e) => e === boom,
    );
    await closed;
  });

  test('backpressure: a paused reader stops the socket (the upstream cannot finish), resume reads it all', async () => {
    // Far more than the sockets' buffers hold: the upstream can finish only if its bytes are read.
    const TOTAL = 32 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 0x61);
    let finished = false;
    routes.set('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let written = 0;
      const pump = () => {
        while (written < TOTAL) {
          written += piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => {
          finished = true;
        });
      };
      pump();
    });
    const s: UpstreamStream = await open('/big');
    let got = 0;
    let paused = false;
    const read = s.body.each((c) => {
      assert.equal(paused, false, 'no chunk is handed over while the reader is paused');
      got += c.length;
      if (got === c.length) {
        paused = true;
        return false;
      }
      return true;
    });
    // Not a timing: time for an unpaused socket to move 32 MB over loopback many times over; a paused one
    // never lets the upstream finish, however long this waits.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(finished, false, 'the upstream finished writing while the reader was paused');
    paused = false;
    s.body.resume();
    await read;
    assert.equal(got, TOTAL);
  });
});

describe('UpstreamCall against undici’s controller contract', () => {
  /** A controller as undici's UnwrapController behaves: pause/resume flags, abort once. */
  const controller = () => {
    const log: string[] = [];
    const c = {
      paused: false,
      aborted: false,
      reason: null as Error | null,
      pause() {
        this.paused = true;
        log.push('pause');
      },
      resume() {
        this.paused = false;
        log.push('resume');
      },
      abort(reason: Error) {
        if (this.aborted) return;
        this.aborted = true;
        this.reason = reason;
        log.push('abort');
      },
    };
    return { c: c as unknown as Dispatcher.DispatchController, log, raw: c };
  };

  test('chunks that arrive before the reader and while it is paused are handed over in order', async () => {
    const { c, log, raw } = controller();
    let stream!: UpstreamStream;
    const h = new UpstreamCall(
      false,
      new CallAbort().signal,
      (v) => {
        stream = v as UpstreamStream;
      },
      () => assert.fail('not this way'),
    );
    h.onRequestStart(c);
    h.onResponseStart(c, 200, { 'content-type': 'text/event-stream' });
    h.onResponseData(c, Buffer.from('a'));
    h.onResponseData(c, Buffer.from('b'));
    const got: string[] = [];
    const done = stream.body.each((chunk) => {
      got.push(chunk.toString());
      return chunk.toString() !== 'a'; // pause after the first
    });
    assert.deepEqual(got, ['a']);
    assert.deepEqual(log, ['pause']);
    h.onResponseData(c, Buffer.from('c')); // undici's next chunk after a pause waits
    h.onResponseEnd(c);
    assert.deepEqual(got, ['a']);
    stream.body.resume();
    await done;
    assert.deepEqual(got, ['a', 'b', 'c']);
    assert.deepEqual(log, ['pause', 'resume']);
    assert.equal(raw.aborted, false);
  });

  test('an error after the headers rejects the read; the chunks not read are dropped', async () => {
    const { c } = controller();
    let stream!: UpstreamStream;
    const h = new UpstreamCall(
      false,
      new CallAbort().signal,
      (v) => {
        stream = v as UpstreamStream;
      },
      () => assert.fail('not this way'),
    );
    h.onRequestStart(c);
    h.onResponseStart(c, 200, {});
    h.onResponseData(c, Buffer.from('a'));
    const err = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    h.onResponseError(c, err);
    await assert.rejects(
      stream.body.each(() => true),
      (e) => e === err,
    );
  });

  test('a whole error answer whose body breaks is its status with an empty body', async () => {
    const { c } = controller();
    const answer = new Promise((resolve, reject) => {
      const h = new UpstreamCall(true, new CallAbort().signal, resolve, reject);
      h.onRequestStart(c);
      h.onResponseStart(c, 503, { 'retry-after': '1' });
      h.onResponseData(c, Buffer.from('{"err'));
      h.onResponseError(c, new Error('socket hang up'));
    });
    assert.deepEqual(await answer, { statusCode: 503, headers: { 'retry-after': '1' }, text: '' });
  });

  test('a signal aborted before the request starts aborts it at the start, with its reason', () => {
    const { c, raw } = controller();
    const ac = new CallAbort();
    const h = new UpstreamCall(
      true,
      ac.signal,
      () => assert.fail('not this way'),
      () => {},
    );
    const why = new Error('gone');
    ac.abort(why);
    h.onRequestStart(c);
    assert.equal(raw.aborted, true);
    assert.equal(raw.reason, why);
  });

  test('a finished call lets go of the caller: a promoted handler would keep it alive until a mark-compact', async () => {
    const { c } = controller();
    let kept: UpstreamCall | null = null;
    const refs = (() => {
      // Everything here is the caller's: its answer, and what its onResponse closure holds.
      const caller = { pipelineState: new Array(100).fill('x') };
      let answer: object | null = null;
      const h = new UpstreamCall(
        true,
        new CallAbort().signal,
        (v) => {
          answer = v;
        },
        () => assert.fail('not this way'),
        () => void caller.pipelineState.length,
      );
      h.onRequestStart(c);
      h.onResponseStart(c, 200, { 'content-type': 'application/json' });
      h.onResponseData(c, Buffer.from('{}'));
      h.onResponseEnd(c);
      kept = h; // as an old-generation handler, dead but not yet collected, still points at its fields
      return { caller: new WeakRef(caller), answer: new WeakRef(answer!) };
    })();
    await new Promise((r) => setImmediate(r));
    assert.ok(fullGc(), 'a full GC is available to the test');
    assert.ok(kept !== null);
    assert.equal(refs.caller.deref(), undefined, "the caller's closure is not kept");
    assert.equal(refs.answer.deref(), undefined, 'the answer is not kept');
  });

  test('the last event lets go of the raw header lines undici keeps on its controller', () => {
    for (const end of ['end', 'error'] as const) {
      const { c, raw } = controller();
      const h = new UpstreamCall(
        true,
        new CallAbort().signal,
        () => {},
        () => {},
      );
      h.onRequestStart(c);
      // UnwrapController sets these before onResponseStart and onResponseEnd.
      c.rawHeaders = [Buffer.from('content-type'), Buffer.from('application/json')];
      h.onResponseStart(c, 200, { 'content-type': 'application/json' });
      c.rawTrailers = [];
      if (end === 'end') h.onResponseEnd(c);
      else h.onResponseError(c, new Error('reset'));
      assert.equal(c.rawHeaders, null, `after ${end}`);
      assert.equal(c.rawTrailers, null, `after ${end}`);
      assert.equal(raw.aborted, false);
    }
  });
});
