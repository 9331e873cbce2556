import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse, FinishReason } from '../core/response.js';
import { makeEntry } from '../ledger/entry-fixtures.js';
import { MemoryLedger } from '../ledger/memory-ledger.js';
import type { BodyStore, StoredExchange } from '../prompts-store/body-store.js';
import { CODECS } from '../providers/codecs.js';
import { exportFinetune, renderExportSummary } from './finetune-export.js';

class MapStore implements BodyStore {
  readonly map = new Map<string, StoredExchange>();
  put(request: CanonicalRequest, response: CanonicalResponse, at: number): string {
    const hash = `h${this.map.size + 1}`;
    this.map.set(hash, { hash, request, response, storedAt: at });
    return hash;
  }
  async get(hash: string) {
    return this.map.get(hash);
  }
  async flush() {}
  async close() {}
}

function exchange(store: MapStore, question: string, answer: string, finish: FinishReason = 'stop'): string {
  const req = CODECS.openai.parseRequest({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: question }],
  });
  return store.put(
    req,
    {
      id: 'r',
      model: 'gpt-4o',
      created: 1,
      choices: [
        { index: 0, content: [{ type: 'text', text: answer }], finish: { unified: finish, raw: null } },
      ],
      usage: null,
    },
    1,
  );
}

describe('exportFinetune', () => {
  test('exports the stored answers of the chosen model and counts every row left out by reason', async () => {
    const ledger = new MemoryLedger();
    const store = new MapStore();
    const at = (ts: number, o: Parameters<typeof makeEntry>[0]) =>
      ledger.append(makeEntry({ feature: 'support', ts, ...o }));
    at(1, { meta: { bodyHash: exchange(store, 'q1', 'a1') } });
    at(2, { meta: { bodyHash: exchange(store, 'q2', 'a2') } });
    at(3, { meta: { bodyHash: exchange(store, 'q1', 'a1') } }); // same example again
    at(4, { meta: { bodyHash: exchange(store, 'q3', 'cut', 'length') } });
    at(5, { meta: { promptHash: 'abc' } }); // stored before the policy was on
    at(6, { status: 'error', httpStatus: 429, errorClass: 'upstream_rate_limited', cost: 0n });
    at(7, {
      servedModel: 'gpt-4o-mini',
      requestedModel: 'gpt-4o-mini',
      cost: 1n,
      meta: { bodyHash: exchange(store, 'q4', 'a4') },
    });
    ledger.append(makeEntry({ feature: 'search', ts: 8, meta: { bodyHash: exchange(store, 'q5', 'a5') } }));

    const lines: string[] = [];
    const r = await exportFinetune({
      ledger,
      bodies: store,
      feature: 'support',
      write: (l) => lines.push(l),
    });
    assert.equal(r.model, 'gpt-4o', 'the model the feature spends most on');
    assert.equal(r.modelSource, 'highest_cost');
    assert.equal(r.considered, 7);
    assert.equal(r.written, 2);
    assert.deepEqual(r.leftOut, {
      error_status: 1,
      other_model: 1,
      no_stored_body: 1,
      truncated: 1,
      filtered: 0,
      empty_answer: 0,
      duplicate: 1,
    });
    assert.deepEqual(
      lines.map((l) => JSON.parse(l)),
      [
        {
          messages: [
            { role: 'user', content: 'q1' },
            { role: 'assistant', content: 'a1' },
          ],
        },
        {
          messages: [
            { role: 'user', content: 'q2' },
            { role: 'assistant', content: 'a2' },
          ],
        },
      ],
      'oldest first, one JSON object per line',
    );
    assert.ok(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')));

    const text = renderExportSummary(r, 'out.jsonl');
    assert.match(text, /wrote 2 examples for feature "support" answered by gpt-4o/);
    assert.match(text, /left out 5/);
    assert.match(text, /1 {2}no stored body/);
    assert.match(text, /features\.support\.storePrompts: true/);
  });

  test('--model picks the model; no body store leaves everything out as "no stored body"', async () => {
    const ledger = new MemoryLedger();
    const store = new MapStore();
    ledger.append(
      makeEntry({ feature: 'f', servedModel: 'gpt-4o-mini', meta: { bodyHash: exchange(store, 'q', 'a') } }),
    );
    const lines: string[] = [];
    const r = await exportFinetune({
      ledger,
      bodies: store,
      feature: 'f',
      model: 'gpt-4o-mini',
      write: (l) => lines.push(l),
    });
    assert.equal(r.written, 1);
    assert.equal(r.modelSource, 'given');
    const none = await exportFinetune({
      ledger,
      bodies: null,
      feature: 'f',
      model: 'gpt-4o-mini',
      write: () => {},
    });
    assert.equal(none.written, 0);
    assert.equal(none.leftOut.no_stored_body, 1);
  });

  test('a feature with no requests says so', async () => {
    const r = await exportFinetune({
      ledger: new MemoryLedger(),
      bodies: null,
      feature: 'nope',
      write: () => {},
    });
    assert.equal(r.model, null);
    assert.match(renderExportSummary(r, 'x'), /no answered requests/);
  });
});
