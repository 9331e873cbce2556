import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Pool } from 'undici';
import { CallAbort, asUndiciSignal } from './call-signal.js';

describe('CallAbort', () => {
  test('listeners run once, in order, on the first abort; its reason is kept', () => {
    const ac = new CallAbort();
    const seen: string[] = [];
    const a = () => seen.push('a');
    ac.signal.addEventListener('abort', a);
    ac.signal.addEventListener('abort', a); // the same listener twice is called once, as with EventTarget
    ac.signal.addEventListener('abort', () => seen.push('b'), { once: true });
    assert.equal(ac.signal.aborted, false);
    ac.abort('why');
    ac.abort('again');
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(ac.signal.aborted, true);
    assert.equal(ac.signal.reason, 'why');
  });

  test('a removed listener is not called; without a reason the reason is an AbortError', () => {
    const ac = new CallAbort();
    let called = 0;
    const l = () => called++;
    ac.signal.addEventListener('abort', l);
    ac.signal.removeEventListener('abort', l);
    ac.abort();
    assert.equal(called, 0);
    assert.ok(ac.signal.reason instanceof DOMException);
    assert.equal((ac.signal.reason as DOMException).name, 'AbortError');
  });

  test('a listener that throws does not stop the others', async () => {
    const ac = new CallAbort();
    let after = false;
    ac.signal.addEventListener('abort', () => {
      throw new Error('boom');
    });
    ac.signal.addEventListener('abort', () => {
      after = true;
    });
    const uncaught = new Promise<unknown>((resolve) => {
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (e) => {
        for (const f of listeners) process.on('uncaughtException', f);
        resolve(e);
      });
    });
    ac.abort();
    assert.equal(after, true);
    assert.equal(((await uncaught) as Error).message, 'boom');
  });

  test('undici aborts a request in flight with it, and drops its listener when the request ends', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/fast') res.end('ok');
      // '/slow' never answers: only the abort ends it.
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const done = new CallAbort();
      let removed = 0;
      const remove = done.removeEventListener.bind(done);
      done.removeEventListener = (type, listener) => {
        removed++;
        remove(type, listener);
      };
      const fast = await pool.request({ path: '/fast', method: 'GET', signal: asUndiciSignal(done.signal) });
      assert.equal(await fast.body.text(), 'ok');
      if (!fast.body.closed) await once(fast.body, 'close'); // undici drops its listener when the body closes
      assert.equal(removed, 1);
      done.abort(); // after the request ended: undici's listener is gone, nothing happens
      const ac = new CallAbort();
      const slow = pool.request({ path: '/slow', method: 'GET', signal: asUndiciSignal(ac.signal) });
      setTimeout(() => ac.abort(new Error('client went away')), 20);
      await assert.rejects(slow, /client went away/);
    } finally {
      await pool.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
