import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TwoModelDataset } from './datasets.js';
import { randomApgr, runRouterTransfer, transferMarkdown } from './router-transfer.js';

// Two synthetic datasets: the strong model is needed exactly on prompts that mention a proof.
const dataset = (name: 'gsm8k' | 'mmlu', topic: string): TwoModelDataset => ({
  name,
  title: name,
  binary: true,
  records: Array.from({ length: 200 }, (_, i) => {
    const hard = i % 3 === 0;
    return {
      id: `${name}-${i}`,
      prompt: hard ? `prove the ${topic} statement number ${i} rigorously` : `name the ${topic} item ${i}`,
      w: hard ? 0 : 1,
      s: 1,
      costW: 1n,
      costS: 10n,
    };
  }),
});

describe('router transfer bench', () => {
  test('random routers centre on APGR 0.5; a router that learnt the signal beats them in-domain', () => {
    const a = dataset('gsm8k', 'number');
    const b = dataset('mmlu', 'history');
    const rnd = randomApgr(a.records, 200);
    const mean = rnd.reduce((x, y) => x + y, 0) / rnd.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `${mean}`);
    const r = runRouterTransfer([a, b], { methods: ['logreg', 'embed-knn'], routers: 100, bootstrap: 50 });
    assert.equal(r.cells.length, 3 * 2 * 2); // (a, b, a+b) × methods × test sets
    for (const c of r.cells) {
      assert.ok(c.ci.lo <= c.apgr && c.apgr <= c.ci.hi);
      if (c.train !== c.test) continue;
      assert.ok(c.apgr > 0.8, `${c.train}→${c.test} ${c.method}: ${c.apgr}`);
      assert.ok(c.p < 0.05);
    }
    const md = transferMarkdown(r, 'test');
    assert.match(md, /\| gsm8k \| mmlu \| logreg \| .* \| transfer \|/);
    assert.match(md, /\| gsm8k\+mmlu \| gsm8k \| .* \| pooled \(includes in-domain\) \|/);
  });
});
