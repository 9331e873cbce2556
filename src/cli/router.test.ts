import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { LedgerEntry } from '../core/ledger-entry.js';
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';
import { SqliteLedger } from '../ledger/sqlite/sqlite-ledger.js';
import { loadModel, predict } from '../pipeline/route/classifier.js';
import { bodiesPathFor } from '../prompts-store/body-path.js';
import { SqliteBodyStore } from '../prompts-store/sqlite-body-store.js';
import { openQualityDb, qualityDbPathFor } from '../quality/sqlite/quality-db.js';
import { sqliteQualityStores } from '../quality/sqlite/sqlite-quality-stores.js';
import { routerTrainCommand } from './router.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-router-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const request = (text: string): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
});
const response: CanonicalResponse = {
  id: 'x',
  model: 'gpt-4o-mini',
  created: 0,
  choices: [{ index: 0, content: [{ type: 'text', text: 'ok' }], finish: { unified: 'stop', raw: 'stop' } }],
  usage: null,
};

function entry(i: number, passed: boolean, bodyHash?: string): LedgerEntry {
  return {
    id: `req_${i}`,
    ts: 1_700_000_000_000 + i,
    feature: 'qa',
    user: null,
    keyId: null,
    dialect: 'openai',
    provider: 'openai',
    requestedModel: 'gpt-4o',
    servedModel: passed ? 'gpt-4o-mini' : 'gpt-4o',
    stream: false,
    simulated: false,
    inputUncached: 10,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 5,
    reasoning: 0,
    usageEstimated: false,
    cost: 1n,
    baselineCost: 1n,
    savings: {},
    flags: [],
    latencyMs: 1,
    ttftMs: null,
    status: 'ok',
    httpStatus: 200,
    errorClass: null,
    meta: {
      cascade: { attempts: [{ step: 0, purpose: 'cascade', passed }] },
      ...(bodyHash ? { bodyHash } : {}),
    },
  };
}

const quiet = () => {
  const lines: string[] = [];
  return { lines, log: (l: string) => lines.push(l) };
};

describe('penny router train', () => {
  test('--from-ledger learns from cascade outcomes whose prompts were stored', async () => {
    const ledgerPath = join(dir, 'ledger.db');
    const ledger = SqliteLedger.open(ledgerPath);
    const bodies = SqliteBodyStore.open(bodiesPathFor(ledgerPath));
    let i = 0;
    for (let k = 0; k < 20; k++) {
      const easy = bodies.put(request(`what colour is item ${k}`), response, k);
      const hard = bodies.put(
        request(`prove the theorem about primes number ${k} step by step`),
        response,
        k,
      );
      ledger.append(entry(i++, true, easy));
      ledger.append(entry(i++, false, hard));
    }
    ledger.append(entry(i++, false)); // no stored prompt
    await bodies.close();
    await ledger.close();

    const out = join(dir, 'router.json');
    const q = quiet();
    const r = await routerTrainCommand({ fromLedger: true, ledger: ledgerPath, out, log: q.log });
    assert.equal(r?.examples, 40);
    assert.match(
      q.lines.join('\n'),
      /41 cascade outcomes in the ledger, 1 without a stored prompt, 40 usable/,
    );
    const lines = readFileSync(`${out}.examples.jsonl`, 'utf8').trim().split('\n');
    assert.equal(lines.length, 40);
    const model = loadModel(readFileSync(out, 'utf8'));
    const hard = predict(model, 'prove the theorem about primes number 3 step by step');
    const easy = predict(model, 'what colour is item 3');
    assert.ok(hard > easy, `${hard} > ${easy}`);
  });

  test('--from-ledger learns from shadow-evaluation verdicts (agree → cheap was enough), before cascade checks', async () => {
    const ledgerPath = join(dir, 'verdicts', 'ledger.db');
    mkdirSync(join(dir, 'verdicts'));
    const ledger = SqliteLedger.open(ledgerPath);
    const bodies = SqliteBodyStore.open(bodiesPathFor(ledgerPath));
    const stores = sqliteQualityStores(openQualityDb(qualityDbPathFor(ledgerPath)));
    let i = 0;
    const verdict = async (id: string, v: 'agree' | 'disagree' | 'none', tactic = 'route') =>
      stores.evaluations.put({
        requestId: id,
        evaluationId: null,
        ts: 1,
        feature: 'qa',
        tactic,
        arm: null,
        verdict: v,
        method: 'structured',
        score: null,
        error: null,
      });
    for (let k = 0; k < 15; k++) {
      const easy = bodies.put(request(`what colour is item ${k}`), response, k);
      const hard = bodies.put(
        request(`prove the theorem about primes number ${k} step by step`),
        response,
        k,
      );
      // The cascade check passed the hard prompt's cheap answer; the shadow verdict says it was wrong.
      const e1 = entry(i++, true, easy);
      const e2 = entry(i++, true, hard);
      ledger.append(e1);
      ledger.append(e2);
      await verdict(e1.id, 'agree');
      await verdict(e2.id, 'disagree', 'cascade');
    }
    await verdict('req_unknown', 'disagree');
    await verdict(entry(i, true).id, 'none');
    await verdict(entry(i + 1, true).id, 'agree', 'compress');
    bodies.close();
    await ledger.close();
    await stores.close();

    const out = join(dir, 'verdicts', 'router.json');
    const q = quiet();
    const r = await routerTrainCommand({
      fromLedger: true,
      ledger: ledgerPath,
      out,
      method: 'embed-knn',
      log: q.log,
    });
    assert.equal(r?.examples, 30);
    assert.match(
      q.lines.join('\n'),
      /31 shadow verdicts \(route, cascade\), 1 without a stored prompt, 30 usable/,
    );
    assert.match(q.lines.join('\n'), /0 cascade outcomes in the ledger/);
    const model = loadModel(readFileSync(out, 'utf8'));
    assert.equal(model.kind, 'embed-knn');
    const hard = predict(model, 'prove the theorem about primes number 3 step by step');
    const easy = predict(model, 'what colour is item 3');
    assert.ok(hard > 0.5 && easy < 0.5, `${hard} > 0.5 > ${easy}`);
  });

  test('--verdicts trains from a JSONL of {prompt, model, verdict}; a bad line names itself', async () => {
    const file = join(dir, 'v.jsonl');
    const lines = [];
    for (let k = 0; k < 6; k++) {
      lines.push(JSON.stringify({ prompt: `hello ${k}`, model: 'gpt-4o-mini', verdict: 'agree' }));
      lines.push(
        JSON.stringify({ prompt: `prove lemma ${k} rigorously`, model: 'gpt-4o-mini', verdict: 'disagree' }),
      );
    }
    lines.push(JSON.stringify({ prompt: 'x', verdict: 'none' }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const q = quiet();
    const r = await routerTrainCommand({ verdicts: file, out: join(dir, 'v.json'), log: q.log });
    assert.equal(r?.examples, 12);
    assert.match(q.lines.join('\n'), /12 verdicts with a label, 1 without/);
    writeFileSync(file, '{"prompt":"a","verdict":"maybe"}\n');
    await assert.rejects(
      routerTrainCommand({ verdicts: file, out: join(dir, 'v2.json') }),
      /v\.jsonl:1: verdict:/,
    );
  });

  test('--from-ledger without stored prompts says so and trains nothing', async () => {
    const ledgerPath = join(dir, 'bare.db');
    const ledger = SqliteLedger.open(ledgerPath);
    ledger.append(entry(1, true));
    ledger.append(entry(2, false));
    await ledger.close();
    const out = join(dir, 'none.json');
    const q = quiet();
    assert.equal(await routerTrainCommand({ fromLedger: true, ledger: ledgerPath, out, log: q.log }), null);
    assert.match(q.lines.join('\n'), /storePrompts: true/);
    assert.equal(existsSync(out), false);
  });

  test('--input trains from a JSONL file; two sources at once are refused', async () => {
    const input = join(dir, 'ex.jsonl');
    writeFileSync(
      input,
      [
        '{"text":"hard proof","label":1}',
        '{"text":"easy hello","label":0}',
        '{"text":"hard derive","label":1}',
      ].join('\n'),
    );
    const out = join(dir, 'jsonl.json');
    const r = await routerTrainCommand({ input, out, log: quiet().log });
    assert.equal(r?.examples, 3);
    await assert.rejects(
      routerTrainCommand({ input, fromLedger: true, out, log: quiet().log }),
      /choose one of/,
    );
  });
});
