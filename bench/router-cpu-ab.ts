/**
 * `node --import tsx bench/router-cpu-ab.ts --before DIR [--datasets DIR] [--prompts N] [--rounds N] model.json…`:
 * CPU per scored prompt of trained router files under two versions of the code in ONE process — this tree's
 * `src/pipeline/route/classifier.ts` and the one under DIR (an older commit unpacked there, e.g.
 * `git archive <commit> | tar -x -C DIR && ln -s "$PWD/node_modules" DIR/node_modules`). Each model file is
 * loaded by both; the rounds interleave before and after on the MMLU test half's first N prompts, so load
 * on a shared machine weighs on both alike (process.cpuUsage, medians). Every MMLU test prompt is also
 * scored by both, and the prompts whose scores differ are counted: an optimisation must leave them at 0.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadMmlu, resolveDatasetsDir } from '../src/bench/replay/datasets.js';
import { splitRecords } from '../src/bench/replay/split.js';
import * as after from '../src/pipeline/route/classifier.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    before: { type: 'string' },
    datasets: { type: 'string' },
    prompts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '8' },
  },
});
const root = resolveDatasetsDir(values.datasets);
if (!root || values.before === undefined || positionals.length === 0) {
  console.error(
    'usage: bench/router-cpu-ab.ts --before DIR [--datasets DIR] [--prompts N] [--rounds N] model.json…',
  );
  process.exit(1);
}
const before = (await import(
  resolve(join(values.before, 'src/pipeline/route/classifier.ts'))
)) as typeof after;
const test = splitRecords(loadMmlu(root).records).test;
const prompts = test.slice(0, Number(values.prompts)).map((r) => r.prompt);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
let sink = 0;
for (const file of positionals) {
  const raw = readFileSync(file, 'utf8');
  const mb = before.loadModel(raw);
  const ma = after.loadModel(raw);
  let differ = 0;
  for (const r of test) if (before.predict(mb, r.prompt) !== after.predict(ma, r.prompt)) differ++;
  const b: number[] = [];
  const a: number[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    let c = cpu();
    for (const p of prompts) sink += before.predict(mb, p);
    b.push((cpu() - c) / prompts.length);
    c = cpu();
    for (const p of prompts) sink += after.predict(ma, p);
    a.push((cpu() - c) / prompts.length);
  }
  const show = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
  console.log(
    `${file}: before ${median(b).toFixed(1)} µs, after ${median(a).toFixed(1)} µs CPU per prompt (ratio ${(median(a) / median(b)).toFixed(2)}; rounds before ${show(b)}, after ${show(a)}); scores differ on ${differ} of ${test.length} test prompts`,
  );
}
if (!Number.isFinite(sink)) console.log('(non-finite score)');
