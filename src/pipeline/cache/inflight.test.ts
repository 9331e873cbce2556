import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODECS } from '../../providers/codecs.js';
import type { Outcome, RequestContext, ResponseSink } from '../context.js';
import { testContext } from '../test-support.js';
import { InflightRegistry } from './inflight.js';

class RecordingSink implements ResponseSink {
  closed = false;
  out: string[] = [];
  json(status: number, _h: Record<string, string>, body: string | Buffer) {
    this.out.push(`json ${status} ${body}`);
  }
  startStream(status: number) {
    this.out.push(`start ${status}`);
  }
  write(chunk: string | Buffer) {
    this.out.push(`write ${chunk}`);
  }
  end() {
    this.out.push('end');
  }
}

function ctx(stream: boolean, sink = new RecordingSink()): RequestContext & { sink: ResponseSink } {
  const request = CODECS.openai.parseRequest({
    model: 'm',
    stream,
    messages: [{ role: 'user', content: 'x' }],
  });
  return testContext({ request, sink }) as RequestContext & { sink: ResponseSink };
}

const outcome = { status: 'ok' } as Outcome;

test('inflight: the leader writes through a tee that a late follower replays from the start', () => {
  const reg = new InflightRegistry();
  const inner = new RecordingSink();
  const leader = ctx(true, inner);
  const flight = reg.lead('k', leader);
  assert.equal(reg.find('k'), flight);
  leader.sink.startStream(200, {});
  leader.sink.write('a');
  const seen: string[] = [];
  flight.subscribe((op) => seen.push(op.type === 'write' ? `write ${op.chunk}` : op.type));
  leader.sink.write('b');
  leader.sink.end();
  assert.deepEqual(inner.out, ['start 200', 'write a', 'write b', 'end']);
  assert.deepEqual(seen, ['start', 'write a', 'write b', 'end']);
  reg.finish('k', flight, { outcome, cost: 1n });
  assert.equal(reg.find('k'), undefined);
});

test('inflight: the upstream is aborted only when the leader and every follower have gone', () => {
  const reg = new InflightRegistry();
  const ac = new AbortController();
  const leader = ctx(true);
  leader.signal = ac.signal;
  const flight = reg.lead('k', leader);
  const follower = new AbortController();
  flight.attach(follower.signal);
  ac.abort();
  assert.equal(leader.signal.aborted, false, 'a follower still waits');
  assert.equal(leader.sink.closed, false, 'the tee stays open for followers');
  follower.abort();
  assert.equal(leader.signal.aborted, true);
  assert.equal(reg.find('k'), undefined, 'an aborted flight is not joined');
});

test('inflight: tee only for the same dialect, stream mode and usage chunk', () => {
  const reg = new InflightRegistry();
  const flight = reg.lead('k', ctx(true));
  assert.equal(flight.canTee(ctx(true)), true);
  assert.equal(flight.canTee(ctx(false)), false);
  const withUsage = ctx(true);
  withUsage.request = { ...withUsage.request, streamUsage: true };
  assert.equal(flight.canTee(withUsage), false);
});

test('inflight: followers get the leader result once settled', async () => {
  const reg = new InflightRegistry();
  const flight = reg.lead('k', ctx(false));
  setImmediate(() => reg.finish('k', flight, { outcome, cost: 42n }));
  const r = await flight.done;
  assert.equal(r.cost, 42n);
  assert.equal(r.outcome, outcome);
});

test('inflight: a follower that asks after the flight settled still gets the result', async () => {
  const reg = new InflightRegistry();
  const flight = reg.lead('k', ctx(false));
  reg.finish('k', flight, { outcome, cost: 7n });
  assert.equal(flight.done, flight.done, 'one promise');
  assert.equal((await flight.done).cost, 7n);
});

test('inflight: a flight its only client left is aborted with an AbortError', () => {
  const reg = new InflightRegistry();
  const ac = new AbortController();
  const leader = ctx(false);
  leader.signal = ac.signal;
  reg.lead('k', leader);
  ac.abort();
  assert.equal(leader.signal.aborted, true);
  assert.equal((leader.signal.reason as DOMException).name, 'AbortError');
});

/** A client signal that counts the listeners on it (a kept-alive connection's signal outlives the call). */
function countingSignal() {
  const listeners = new Set<() => void>();
  return {
    listeners,
    aborted: false,
    reason: undefined,
    addEventListener: (_t: 'abort', f: () => void) => void listeners.add(f),
    removeEventListener: (_t: 'abort', f: () => void) => void listeners.delete(f),
  };
}

test('inflight: a settled flight leaves no listener on its participants’ signals', () => {
  const reg = new InflightRegistry();
  const leaderSignal = countingSignal();
  const followerSignal = countingSignal();
  const leader = ctx(false);
  leader.signal = leaderSignal;
  const flight = reg.lead('k', leader);
  flight.attach(followerSignal);
  assert.equal(leaderSignal.listeners.size, 1);
  assert.equal(followerSignal.listeners.size, 1);
  reg.finish('k', flight, { outcome, cost: 1n });
  assert.equal(leaderSignal.listeners.size, 0, 'the leader’s signal no longer reaches the flight');
  assert.equal(followerSignal.listeners.size, 0, 'nor a follower’s');
  // Leaving after the settlement aborts nothing (as before: the listeners did nothing once settled).
  assert.equal(flight.controller.signal.aborted, false);
});

test('inflight: the registry’s map points at a holder that lets go of its flight when it leaves the map', () => {
  const reg = new InflightRegistry();
  // The map itself: a stale table of it (V8 rehashes a map that takes and drops an entry per miss) keeps
  // whatever its entries point at alive through scavenges, so an entry must not point at a finished flight.
  const map = (reg as unknown as { flights: Map<string, { flight: unknown }> }).flights;
  const first = reg.lead('k', ctx(false));
  const entry = map.get('k')!;
  assert.equal(entry.flight, first);
  first.controller.abort(); // no longer joinable: an identical request leads a new flight
  assert.equal(reg.find('k'), undefined);
  const second = reg.lead('k', ctx(false));
  assert.equal(entry.flight, undefined, 'the replaced entry let go of the first flight');
  const entry2 = map.get('k')!;
  reg.finish('k', first, { outcome, cost: 0n }); // the first finishing leaves the second in place
  assert.equal(entry2.flight, second);
  reg.finish('k', second, { outcome, cost: 0n });
  assert.equal(entry2.flight, undefined);
  assert.equal(reg.size, 0);
});
