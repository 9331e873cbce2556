import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallAbort } from './call-signal.js';

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
});
