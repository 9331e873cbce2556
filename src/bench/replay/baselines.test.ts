import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baselinesMarkdown, overrulingBaselines, twoModelBaselines } from './baselines.js';
import { loadGsm8k, loadMmlu, loadMtBench, loadOverruling, resolveDatasetsDir } from './datasets.js';

const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'replay',
);
const FIXTURE_DATA = join(FIXTURES, 'datasets');

function render(root: string): string {
  return baselinesMarkdown(loadOverruling(root), loadGsm8k(root), loadMmlu(root), loadMtBench(root));
}

describe('baselines on the fixtures', () => {
  test('loaders apply RouteLLM decontamination', () => {
    assert.equal(loadGsm8k(FIXTURE_DATA).records.length, 40); // 41 rows, 1 contaminated
    assert.equal(loadMmlu(FIXTURE_DATA).records.length, 59); // 60 rows, 1 contaminated
    assert.equal(loadMtBench(FIXTURE_DATA).records.length, 8); // 12 questions, 4 contaminated
    const o = loadOverruling(FIXTURE_DATA);
    assert.equal(o.records.length, 80);
    assert.equal(o.models.length, 12);
  });

  test('costs follow baselines.py: recorded $ and chars/4 tokens at blended prices, exactly', () => {
    const g = loadGsm8k(FIXTURE_DATA).records[0]!;
    // 0.24 $/M per token = 240,000 pico; a character is a quarter token = 60,000 pico.
    assert.equal(g.costW, BigInt(g.prompt.length + g.weakResponse!.length) * 60_000n);
    assert.equal(g.costS, BigInt(g.prompt.length + g.strongResponse!.length) * 6_175_000n);
    const o = loadOverruling(FIXTURE_DATA).records[0]!;
    assert.equal(o.cost['gpt-4'], 8_640_000_000n); // $0.00864
  });

  test('reproduce baselines.py output on the fixtures line for line', () => {
    const expected = readFileSync(join(FIXTURES, 'BASELINES.fixture.md'), 'utf8');
    assert.equal(render(FIXTURE_DATA), expected);
  });

  test('structured numbers agree with the fixture text', () => {
    const b = twoModelBaselines(loadGsm8k(FIXTURE_DATA));
    assert.equal(b.random.apgr.toFixed(3), '0.568');
    assert.equal(b.oracle.cpt50.toFixed(1), '13.8');
    const o = overrulingBaselines(loadOverruling(FIXTURE_DATA));
    assert.equal(o.oracle.accuracy, 1);
    assert.equal(o.cascades[0]!.accuracy.toFixed(4), '0.9500');
  });
});

describe('baselines on the full datasets', () => {
  const root = resolveDatasetsDir();
  test('reproduce BASELINES.md exactly', (t) => {
    if (!root || !existsSync(join(root, 'BASELINES.md'))) {
      t.skip('datasets folder not found (set PENNY_DATASETS); skipping the full reproduction');
      return;
    }
    assert.equal(render(root), readFileSync(join(root, 'BASELINES.md'), 'utf8'));
  });
});
