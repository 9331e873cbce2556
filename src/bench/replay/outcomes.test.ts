import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { usd } from '../../core/money.js';
import { mulberry32 } from '../../pipeline/route/prng.js';
import { parseReplayCascade } from './cascade-file.js';
import { routerTrain } from './cli.js';
import {
  evidenceContext,
  frontierOf,
  frontierQuality,
  pValue,
  routerEvidence,
  singleModels,
  Split,
} from './evidence.js';
import { replayCascadeOn, runOutcomeBench } from './outcome-bench.js';
import { routerEvalOutcomes, runOutcomeReplay } from './outcome-cli.js';
import {
  loadOutcomeFile,
  OutcomeFileError,
  outcomeDataset,
  parseOutcomesCsv,
  parseOutcomesJsonl,
} from './outcomes.js';
import { strictIsolationAvailable } from '../../sandbox/run-code.js';
import { rocAuc } from './router-training.js';
import { splitRecords } from './split.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-outcomes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A small seeded workload: "hard" prompts (they say so) defeat the cheap model; the peer answers like the
 * cheap model on easy prompts and differently on hard ones, so agreement is real evidence.
 */
function synthetic(n = 240, seed = 3): string {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const hard = rand() < 0.35;
    const truth = rand() < 0.5 ? 'A' : 'B';
    const other = truth === 'A' ? 'B' : 'A';
    const cheapRight = hard ? rand() < 0.2 : rand() < 0.9;
    const strongRight = rand() < (hard ? 0.85 : 0.95);
    const cheapAns = cheapRight ? truth : other;
    const peerAns = hard ? (rand() < 0.5 ? truth : other) : cheapRight ? truth : rand() < 0.7 ? other : truth;
    lines.push(
      JSON.stringify({
        id: `q${i}`,
        prompt: `${hard ? 'A hard, tricky multi-step question' : 'An easy question'} number ${i}?`,
        models: {
          cheap: { score: cheapRight ? 1 : 0, cost: 0.0001, response: `The answer is ${cheapAns}` },
          peer: { score: peerAns === truth ? 1 : 0, cost: '0.00005', response: `Answer: ${peerAns}` },
          strong: {
            score: strongRight ? 1 : 0,
            cost: 0.002,
            response: `The answer is ${strongRight ? truth : other}`,
          },
        },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('outcome files', () => {
  test('JSONL and CSV parse to the same records; money is exact', () => {
    const j = parseOutcomesJsonl(
      '{"prompt":"p1","models":{"a":{"score":1,"cost":0.0001},"b":{"score":0,"cost":"0.002","response":"x"}}}\n\n',
      'f.jsonl',
    );
    assert.equal(j.length, 1);
    assert.equal(j[0]!.cost.a, usd('0.0001'));
    assert.equal(j[0]!.response?.b, 'x');
    const c = parseOutcomesCsv(
      'prompt,a:score,a:cost,b:score,b:cost,b:response\np1,1,0.0001,0,0.002,x\n',
      'f.csv',
    );
    assert.deepEqual(
      c.map(({ line: _l, ...r }) => r),
      j.map(({ line: _l, ...r }) => r),
    );
    const models = parseOutcomesCsv(
      'prompt,ollama:llama3:8b:score,ollama:llama3:8b:cost,b:score,b:cost\np,1,0,0,0\n',
    );
    assert.deepEqual(
      Object.keys(models[0]!.score),
      ['ollama:llama3:8b', 'b'],
      'the model is before the LAST colon',
    );
  });

  test('errors name the file, the line and the field', () => {
    const bad = (text: string, re: RegExp, parse = parseOutcomesJsonl) =>
      assert.throws(
        () => parse(text, 'x.jsonl'),
        (e: unknown) => e instanceof OutcomeFileError && re.test(e.message),
      );
    const ok = '{"prompt":"p","models":{"a":{"score":1,"cost":0},"b":{"score":0,"cost":0}}}';
    bad(
      `${ok}\n{"prompt":"p","models":{"a":{"score":1,"cost":-1},"b":{"score":0,"cost":0}}}`,
      /^x\.jsonl:2: models\.a\.cost: /,
    );
    bad(
      `${ok}\n{"prompt":"p","models":{"a":{"score":"yes","cost":0},"b":{"score":0,"cost":0}}}`,
      /:2: models\.a\.score/,
    );
    bad('{"prompt":"p","models":{"a":{"score":1,"cost":0}}}', /:1: models: at least two models/);
    bad('{"prompt":"p"', /:1: not JSON/);
    bad(`{"prompt":"p","modles":{}}`, /:1: /);
    bad('prompt,a:score,a:cost,b:score,b:cost\np,1,abc,0,0\n', /x\.jsonl:2: a:cost: /, parseOutcomesCsv);
    bad('prompt,a:scor\n', /:1: a:scor: unknown column/, parseOutcomesCsv);
    const recs = parseOutcomesJsonl(
      `${ok}\n{"prompt":"q","models":{"a":{"score":1,"cost":0},"c":{"score":0,"cost":0}}}`,
      'y',
    );
    assert.throws(() => outcomeDataset(recs, 'y'), /y:2: models\.b: missing/);
  });
});

describe('evidence: frontier, random routers, p-values', () => {
  test('the frontier is the upper hull of single models; dominated models are off it', () => {
    const pts = [
      { model: 'a', cost: 1, quality: 0.5 },
      { model: 'b', cost: 2, quality: 0.55 },
      { model: 'c', cost: 3, quality: 0.9 },
      { model: 'd', cost: 4, quality: 0.8 },
    ];
    assert.deepEqual(
      frontierOf(pts).map((p) => p.model),
      ['a', 'c'],
    );
    assert.equal(frontierQuality(frontierOf(pts), 2), 0.7);
    assert.equal(pValue(0.5, Float64Array.from([0.1, 0.2, 0.6])), 0.5);
  });

  test('a router that knows the hard prompts beats random; a random one does not', () => {
    const ds = loadOutcomeFile(writeSynthetic('e.jsonl'));
    const { train, test } = splitRecords(ds.records);
    const ctx = evidenceContext(train, test, ['cheap', 'strong'], 200);
    const knows = (r: { prompt: string }) => (r.prompt.includes('hard') ? 1 : 0) + r.prompt.length * 1e-6;
    const good = routerEvidence(ctx, 'knows', () => ({ train: train.map(knows), test: test.map(knows) }));
    assert.ok(good.gain.mean > 0.05, `gain ${good.gain.mean}`);
    assert.ok(good.p.mean < 0.01);
    const rand = mulberry32(99);
    const noise = { train: train.map(() => rand()), test: test.map(() => rand()) };
    const bad = routerEvidence(ctx, 'noise', () => noise);
    assert.ok(bad.p.mean > 0.05, `p ${bad.p.mean}`);
    assert.ok(Math.abs(good.random.mean.avg) < 0.02, 'random routers sit on the frontier on average');
    const s = new Split(test, ['cheap', 'strong']);
    assert.equal(singleModels(s, ['cheap', 'strong'])[0]!.model, 'cheap');
  });
});

function writeSynthetic(name: string): string {
  const f = join(dir, name);
  writeFileSync(f, synthetic());
  return f;
}

describe('replaying recorded outcomes', () => {
  test('the outcome bench reports routers and cascades against random routers along the frontier', () => {
    const ds = loadOutcomeFile(writeSynthetic('b.jsonl'));
    const rep = runOutcomeBench(ds, { routers: 100, noClassifier: true });
    // The peer is cheaper and better than `cheap` here, so `cheap` is off the frontier.
    assert.deepEqual(rep.trainFrontier, ['peer', 'strong']);
    const row = (prefix: string) => rep.rows.find((r) => r.policy.startsWith(prefix))!;
    // Hard prompts are longer in this data, so prompt length is real evidence and beats random.
    const len = row('prompt length');
    assert.ok(len.gain.mean > 0 && len.p.mean < 0.05, `length gain ${len.gain.mean} p ${len.p.mean}`);
    assert.equal(len.points.length, 9);
    assert.equal(len.random.routers, 100);
    const agree = row('cascade peer → strong: agreement with cheap');
    assert.equal(agree.points.length, 1);
    assert.ok(agree.points[0]!.cost >= 0.00015 - 1e-12, 'the parallel model is paid on every request');
    assert.ok(row('cascade peer → strong: learned acceptance'));
  });

  test('a cascade file replays through the gateway policy, parallel peer paid', () => {
    const ds = loadOutcomeFile(writeSynthetic('c.jsonl'));
    const c = parseReplayCascade(
      {
        models: [
          { model: 'cheap', parallelWith: 'peer', checks: [{ type: 'agreement', mode: 'option' }] },
          'strong',
        ],
      },
      ds.models,
      'agree',
    );
    const r = replayCascadeOn(ds.records, c);
    const cheapOnly = replayCascadeOn(ds.records, {
      label: 'x',
      steps: [
        { model: 'cheap', checks: [] },
        { model: 'strong', checks: [] },
      ],
    });
    assert.ok(Math.abs(cheapOnly.cost - 0.0001) < 1e-12);
    assert.ok(r.cost > 0.0001 + 0.00005, 'cheap + peer on every request, plus escalations');
    assert.ok(r.quality > cheapOnly.quality);
    assert.throws(
      () => parseReplayCascade({ models: ['cheap', 'nope'] }, ds.models, 'x', 'c.yaml'),
      /c\.yaml: cascade\.models\[1\]: model "nope" is not in the outcome file/,
    );
    assert.throws(
      () => parseReplayCascade({ models: ['cheap'] }, ds.models, 'x', 'c.yaml'),
      /c\.yaml: models/,
    );
  });

  test('penny bench replay --input writes a report; router train/eval take outcome files', () => {
    const f = writeSynthetic('d.jsonl');
    const cascade = join(dir, 'cascade.json');
    writeFileSync(
      cascade,
      JSON.stringify({
        models: [{ model: 'cheap', parallelWith: 'peer', checks: [{ type: 'agreement' }] }, 'strong'],
      }),
    );
    const logs: string[] = [];
    const res = runOutcomeReplay({
      input: f,
      cascades: [cascade],
      out: join(dir, 'out'),
      routers: 50,
      log: (l) => logs.push(l),
    });
    assert.match(res.summary, /random routers \(50 seeds/);
    // Every policy is re-run with the halves swapped; the verdict says whether it held on both.
    assert.match(res.summary, /halves swapped: mean gain \(p\)/);
    assert.ok(res.report.rows.every((r) => r.replication !== undefined));
    assert.match(res.summary, /cascade\.json: cheap \(\+ peer\) → strong/);
    assert.match(readFileSync(res.files[0]!, 'utf8'), /mean gain vs frontier/);
    const model = join(dir, 'm.json');
    const tr = routerTrain({
      input: f,
      out: model,
      method: 'auto',
      cheap: 'cheap',
      strong: 'strong',
      log: () => {},
    });
    assert.deepEqual(
      Object.keys(tr?.cv ?? {}).sort(),
      ['dual', 'dual-gbdt', 'embed-knn', 'knn', 'length', 'logreg', 'stack', 'topic-prior'],
      'auto trains the stack on the outcome file: every outcome candidate scored by CV, the dual heads included',
    );
    const ev = routerEvalOutcomes({
      model,
      input: f,
      cheap: 'cheap',
      strong: 'strong',
      routers: 50,
      log: () => {},
    });
    assert.ok(ev.apgr !== undefined && ev.row.gain.mean > 0);
    assert.throws(
      () => routerEvalOutcomes({ model, input: f, cheap: 'cheap', log: () => {} }),
      /both --cheap and --strong/,
    );
  });

  test('--method auto on labelled examples trains the stack, chosen by cross-validated ROC AUC', () => {
    assert.equal(rocAuc([0.1, 0.9, 0.8, 0.2], [0, 1, 1, 0]), 1);
    assert.equal(rocAuc([0.5, 0.5], [0, 1]), 0.5);
    const f = join(dir, 'ex.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < 120; i++) {
      const hard = i % 3 === 0;
      rows.push(
        JSON.stringify({ text: `${hard ? 'prove the theorem' : 'say hi'} ${i}`, label: hard ? 1 : 0 }),
      );
    }
    writeFileSync(f, rows.join('\n'));
    const r = routerTrain({ input: f, out: join(dir, 'ex-model.json'), method: 'auto', log: () => {} });
    assert.equal(r?.method, 'stack');
    // Single labels: the single-label candidates only (the dual heads need both models' scores).
    assert.deepEqual(Object.keys(r?.cv ?? {}).sort(), [
      'embed-knn',
      'knn',
      'length',
      'logreg',
      'stack',
      'topic-prior',
    ]);
    assert.ok(r!.cv!.logreg! > 0.9 && r!.cv!.stack! >= r!.cv!.logreg!, JSON.stringify(r?.cv));
  });
});

describe('replaying a codeTests cascade', {
  skip: strictIsolationAvailable().ok ? false : 'no strict sandbox here',
}, () => {
  test('each recorded answer runs against the record’s tests; failing code escalates', () => {
    const good = '```python\ndef add(a, b):\n    return a + b\n```';
    const bad = '```python\ndef add(a, b):\n    return a - b\n```';
    const text = [0, 1, 2, 3]
      .map((i) =>
        JSON.stringify({
          id: `c${i}`,
          prompt: 'Write add(a, b).',
          tests: 'assert add(2, 3) == 5',
          models: {
            small: { score: i % 2 === 0 ? 1 : 0, cost: 0.001, response: i % 2 === 0 ? good : bad },
            big: { score: 1, cost: 0.01, response: good },
          },
        }),
      )
      .join('\n');
    const ds = outcomeDataset(parseOutcomesJsonl(text, 'code.jsonl'), 'code');
    const c = parseReplayCascade(
      { models: ['small', 'big'], checks: [], codeTests: { language: 'python', timeoutMs: 8000 } },
      ds.models,
      'code',
    );
    const r = replayCascadeOn(ds.records, c);
    assert.equal(r.quality, 1, 'every failing answer escalated to the model that passes');
    assert.ok(Math.abs(r.cost - (0.001 + 0.5 * 0.01)) < 1e-12, `cost ${r.cost}`);
  });
});
