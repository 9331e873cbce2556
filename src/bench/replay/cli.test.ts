import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel, predict } from '../../pipeline/route/classifier.js';
import { routerEval, routerTrain, runReplay } from './cli.js';
import { loadGsm8k, loadOverruling, resolveDatasetsDir } from './datasets.js';
import { replayChain, runOverrulingBench } from './overruling-bench.js';
import { compileCheck } from '../../pipeline/cascade/checks.js';
import { replayCascadeItem } from './routellm-bench.js';
import { train } from '../../pipeline/route/classifier.js';

const DATA = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'replay',
  'datasets',
);
const dir = mkdtempSync(join(tmpdir(), 'penny-replay-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const quiet = () => {};

describe('replay on the fixtures', () => {
  test('writes a summary and one well-formed SVG per dataset', () => {
    const out = join(dir, 'out');
    const res = runReplay({ dataset: 'all', out, datasetsDir: DATA, log: quiet, routers: 40 });
    assert.ok(res);
    for (const f of ['summary.md', 'gsm8k.svg', 'mmlu.svg', 'mt_bench.svg', 'overruling.svg']) {
      assert.ok(existsSync(join(out, f)), f);
    }
    const svg = readFileSync(join(out, 'gsm8k.svg'), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.match(svg, /Penny heuristic scorer/);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    for (const h of ['## Targets', '## GSM8K', '## MMLU', '## MT Bench', '## FrugalGPT OVERRULING'])
      assert.ok(md.includes(h), h);
    // The replayed random and oracle baselines are there, with MT-Bench intervals.
    assert.match(md, /\| random \(seed 0\) \|/);
    assert.match(md, /\| oracle \| [0-9.]+ \[/);
    assert.equal(res.twoModel.length, 3);
    assert.ok(res.overruling);
    // Every dataset is also put against seeded random routers and the single-model frontier.
    assert.match(md, /## Which signals help/);
    assert.match(md, /\| random routers \(40 seeds, router sweep\) \|/);
    assert.equal(res.evidence.length, 4);
    for (const e of res.evidence) {
      assert.ok(e.rows.length > 0, e.name);
      for (const r of e.rows) assert.ok(r.p.mean > 0 && r.p.mean <= 1 && r.random.routers === 40);
      assert.ok(existsSync(join(out, `${e.name}-evidence.svg`)));
    }
  });

  test('a single dataset run writes only its plot', () => {
    const out = join(dir, 'one');
    const res = runReplay({ dataset: 'overruling', out, datasetsDir: DATA, log: quiet, routers: 20 });
    assert.ok(res);
    assert.ok(existsSync(join(out, 'overruling.svg')));
    assert.ok(!existsSync(join(out, 'gsm8k.svg')));
  });

  test('missing datasets: a clear message, null, and no files', () => {
    const lines: string[] = [];
    const out = join(dir, 'x');
    const res = runReplay({ datasetsDir: join(dir, 'nope'), out, log: (l) => lines.push(l) });
    assert.equal(res, null);
    assert.match(lines.join('\n'), /datasets not found/);
    assert.ok(!existsSync(out));
    assert.equal(
      routerEval({ model: 'x.json', dataset: 'gsm8k', datasetsDir: join(dir, 'nope'), log: quiet }),
      null,
    );
  });
});

describe('router train / eval', () => {
  test('trains from a dataset, saves JSON, and evaluates it', () => {
    const path = join(dir, 'models', 'gsm8k.json');
    const r = routerTrain({ dataset: 'gsm8k', method: 'logreg', out: path, datasetsDir: DATA, log: quiet });
    assert.ok(r);
    assert.equal(r.method, 'logreg');
    const model = loadModel(readFileSync(path, 'utf8'));
    const p = predict(model, 'How many eggs are left?');
    assert.ok(p >= 0 && p <= 1);
    const lines: string[] = [];
    const e = routerEval({ model: path, dataset: 'gsm8k', datasetsDir: DATA, log: (l) => lines.push(l) });
    assert.ok(e);
    assert.ok(Number.isFinite(e.apgr));
    assert.match(lines[0]!, /APGR=/);
  });

  test('trains from a JSONL file of labelled prompts and rejects malformed lines', () => {
    const input = join(dir, 'labels.jsonl');
    writeFileSync(
      input,
      `${[
        { text: 'prove the theorem', label: 1 },
        { text: 'hello there', label: 0, weight: 2 },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n')}\n`,
    );
    const r = routerTrain({ input, out: join(dir, 'm.json'), method: 'knn', log: quiet });
    assert.equal(r?.examples, 2);
    // No --method: the stack, unless the examples are too few for its folds.
    const lines: string[] = [];
    const few = routerTrain({ input, out: join(dir, 'm1.json'), log: (l) => lines.push(l) });
    assert.equal(few?.method, 'logreg');
    assert.match(
      lines.join('\n'),
      /2 examples are too few for the stack's 5-fold CV \(20\); training logreg/,
    );
    const many = join(dir, 'labels-many.jsonl');
    writeFileSync(
      many,
      `${Array.from({ length: 40 }, (_, i) =>
        JSON.stringify({ text: i % 2 ? `prove the theorem number ${i}` : `hello there ${i}`, label: i % 2 }),
      ).join('\n')}\n`,
    );
    const byDefault = routerTrain({ input: many, out: join(dir, 'm3.json'), log: quiet });
    assert.equal(byDefault?.method, 'stack');
    assert.ok((byDefault?.cv?.stack ?? 0) > 0.9, JSON.stringify(byDefault?.cv));
    writeFileSync(input, '{"text": 1}\n');
    assert.throws(() => routerTrain({ input, out: join(dir, 'm2.json'), log: quiet }), /labels.jsonl:1/);
  });

  test("--method dual learns both models' outcomes from a dataset; auto tries it; labels alone are refused", () => {
    const path = join(dir, 'models', 'dual.json');
    const r = routerTrain({ dataset: 'gsm8k', method: 'dual', out: path, datasetsDir: DATA, log: quiet });
    assert.equal(r?.method, 'dual');
    const model = loadModel(readFileSync(path, 'utf8'));
    assert.equal(model.kind, 'dual');
    const p = predict(model, 'How many eggs are left?');
    assert.ok(p >= 0 && p <= 1);
    // `auto`, and no --method at all, train the stack; on an outcome file every outcome candidate is
    // scored by CV (APGR) on the train half.
    const outcomes = join(dir, 'outcomes.jsonl');
    writeFileSync(
      outcomes,
      `${Array.from({ length: 120 }, (_, i) => {
        const hard = i % 3 === 0;
        const prompt = hard ? `prove the lemma about primes, case ${i}` : `what colour is item ${i}?`;
        const models = {
          small: { score: hard ? 0 : 1, cost: 0.0001 },
          big: { score: 1, cost: 0.002 },
        };
        return JSON.stringify({ id: `q${i}`, prompt, models });
      }).join('\n')}\n`,
    );
    for (const method of ['auto', undefined] as const) {
      const out = join(dir, 'models', `stack-${method ?? 'default'}.json`);
      const auto = routerTrain({ input: outcomes, out, log: quiet, ...(method ? { method } : {}) });
      assert.equal(auto?.method, 'stack');
      assert.deepEqual(Object.keys(auto?.cv ?? {}).sort(), [
        'dual',
        'dual-gbdt',
        'embed-knn',
        'knn',
        'length',
        'logreg',
        'stack',
        'topic-prior',
      ]);
      assert.ok(auto!.cv!.stack! > 0.8, JSON.stringify(auto?.cv));
      assert.equal(loadModel(readFileSync(out, 'utf8')).kind, 'anchored');
    }
    const input = join(dir, 'labels-only.jsonl');
    writeFileSync(input, '{"text": "prove it", "label": 1}\n{"text": "hi", "label": 0}\n');
    assert.throws(
      () => routerTrain({ input, out: join(dir, 'd2.json'), method: 'dual-blend', log: quiet }),
      /--method dual-blend learns each model's recorded outcome; .*labels-only.jsonl has single labels only/,
    );
    assert.throws(
      () => routerTrain({ input, out: join(dir, 'd2.json'), method: 'dual-gbdt', log: quiet }),
      /--method dual-gbdt learns each model's recorded outcome/,
    );
    assert.equal(existsSync(join(dir, 'd2.json')), false);
    // Single labels: the anchored router averages logistic regression with the length prior.
    const anchored = join(dir, 'models', 'anchored.json');
    routerTrain({ input, out: anchored, method: 'anchored', log: quiet });
    const am = loadModel(readFileSync(anchored, 'utf8'));
    assert.equal(am.kind === 'anchored' && am.parts.map((x) => x.kind).join(','), 'logreg,length-prior');
  });
});

describe('cascade replays use the production policy', () => {
  test('GSM8K: a wrong equation escalates regardless of the learned score', () => {
    const ds = loadGsm8k(DATA);
    const model = train(
      ds.records.map((r) => ({ text: r.prompt, label: 0 })),
      { epochs: 1 },
    );
    const rec = { ...ds.records[0]!, weakResponse: 'She has 16 - 3 = 12 eggs.\n#### 24' };
    const trace = replayCascadeItem(model, rec, 0.99);
    assert.equal(trace.decision.action === 'accept' && trace.decision.model, 'gpt-4-1106-preview');
    assert.equal(trace.outcomes[0]!.checks.find((c) => c.name === 'arithmeticConsistency')?.passed, false);
  });

  test('OVERRULING: the chosen chain is replayed and charged for every call', () => {
    const rep = runOverrulingBench(loadOverruling(DATA));
    assert.ok(rep.chosen.chain.length >= 2);
    assert.ok(rep.chosen.costPerQuery <= rep.gpt4.costPerQuery);
    const callsShare = Object.values(rep.chosen.calls).reduce((a, b) => a + b, 0);
    assert.ok(callsShare >= 1 - 1e-9, `${callsShare}`);
    // The agreement reference reproduces the arithmetic of baselines.py's judge cascade on the test half.
    const ref = rep.references[0]!;
    assert.ok(Math.abs((ref.calls['gpt-3.5-turbo'] ?? 0) - 1) < 1e-9);
    assert.ok(Math.abs((ref.calls['j1-large'] ?? 0) - 1) < 1e-9);
  });
});

describe('cascade policy reproduces the reference cascade on the full data', () => {
  test('gpt-3.5 → j1-large agreement → gpt-4 equals BASELINES.md (0.9310 at $0.003408)', (t) => {
    const root = resolveDatasetsDir();
    if (!root) {
      t.skip('datasets folder not found (set PENNY_DATASETS)');
      return;
    }
    const ds = loadOverruling(root);
    const agree = (withModel: string) => compileCheck({ type: 'agreement', mode: 'exact', withModel });
    const r = replayChain(
      ds.records,
      'ref',
      ['gpt-3.5-turbo', 'j1-large', 'gpt-4'],
      [[agree('j1-large')], [agree('gpt-3.5-turbo')], []],
    );
    assert.equal(r.accuracy.toFixed(4), '0.9310');
    assert.equal(r.costPerQuery.toFixed(6), '0.003408');
  });
});
