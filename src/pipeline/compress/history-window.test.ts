import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest, Message } from '../../core/request.js';
import { planWindow, unitStarts } from './history-window.js';

const user = (t: string): Message => ({ role: 'user', content: [{ type: 'text', text: t }] });
const asst = (t: string): Message => ({ role: 'assistant', content: [{ type: 'text', text: t }] });
const call = (id: string): Message => ({
  role: 'assistant',
  content: [{ type: 'tool_call', id, name: 'lookup', arguments: '{}' }],
});
const result = (id: string): Message => ({
  role: 'tool',
  content: [{ type: 'tool_result', toolCallId: id, content: 'ok' }],
});
const req = (messages: Message[]): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [{ type: 'text', text: 'sys' }],
  messages,
  stream: false,
  extra: {},
});

describe('planWindow', () => {
  test('keeps everything when it fits', () => {
    const r = req([user('a'), asst('b'), user('c')]);
    assert.deepEqual(planWindow(r, [10, 10, 10], 5, 100), { start: 0, keptTokens: 30, droppedTokens: 0 });
  });

  test('keeps the latest turns within the budget, opening on a user turn', () => {
    const r = req([user('1'), asst('2'), user('3'), asst('4'), user('5')]);
    // budget 45 - system 5 = 40 → last user (10) + asst 4 (10) + user 3 (10) = 30; asst 2 would make 40 but the
    // window must open on a user turn, and user 1 makes 50.
    const p = planWindow(r, [10, 10, 10, 10, 10], 5, 45);
    assert.equal(p.start, 2);
    assert.equal(p.keptTokens, 30);
    assert.equal(p.droppedTokens, 20);
  });

  test('never orphans a tool result: a tool call and its results are kept or dropped together', () => {
    const msgs = [user('q1'), call('c1'), result('c1'), asst('a1'), user('q2'), call('c2'), result('c2')];
    assert.deepEqual(unitStarts(msgs), [0, 1, 3, 4, 5]);
    const r = req(msgs);
    const p = planWindow(r, [10, 10, 10, 10, 10, 10, 10], 0, 35);
    assert.equal(p.start, 4, 'the last user turn with its tool call and result');
    const kept = msgs.slice(p.start);
    for (const [i, m] of kept.entries()) {
      if (m.role === 'tool') assert.equal(kept[i - 1]?.content[0]?.type, 'tool_call');
    }
  });

  test('over budget even with only the last turn: nothing dropped, the reason given', () => {
    const r = req([user('a'), asst('b'), user('c')]);
    const p = planWindow(r, [10, 10, 500], 20, 100);
    assert.equal(p.start, 0);
    assert.deepEqual(p.overBudget, { needed: 520, budget: 100 });
  });

  test('a system prompt larger than the budget is over budget too', () => {
    const r = req([user('a'), asst('b'), user('c')]);
    assert.ok(planWindow(r, [1, 1, 1], 200, 100).overBudget);
  });

  test('a reserve (for a summary) is held back from the budget', () => {
    const r = req([user('1'), asst('2'), user('3'), asst('4'), user('5')]);
    assert.equal(planWindow(r, [10, 10, 10, 10, 10], 0, 40).start, 2);
    assert.equal(planWindow(r, [10, 10, 10, 10, 10], 0, 40, 15).start, 4);
  });
});
