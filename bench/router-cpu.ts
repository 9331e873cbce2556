/**
 * `node --import tsx bench/router-cpu.ts [--datasets DIR] [--prompts N] [--rounds N] model.json…`: CPU per
 * scored prompt of trained router files (what `penny serve` spends per routed request on the router), on
 * the MMLU test half's first N prompts. Models take turns within each round (interleaved, so a loaded
 * machine weighs on all alike); CPU is this process's utime + stime from /proc (bench/lib/proc.ts).
 * Prints the median over rounds and every round.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadMmlu, resolveDatasetsDir } from '../src/bench/replay/datasets.js';
import { splitRecords } from '../src/bench/replay/split.js';
import { loadModel, predict } from '../src/pipeline/route/classifier.js';
import { cpuMicros } from './lib/proc.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    datasets: { type: 'string' },
    prompts: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '6' },
  },
});
const root = resolveDatasetsDir(values.datasets);
if (!root || positionals.length === 0) {
  console.error('usage: bench/router-cpu.ts [--datasets DIR] [--prompts N] [--rounds N] model.json…');
  process.exit(1);
}
const models = positionals.map((f) => loadModel(readFileSync(f, 'utf8')));
const prompts = splitRecords(loadMmlu(root).records)
  .test.slice(0, Number(values.prompts))
  .map((r) => r.prompt);
// Warm-up: JIT, and the k-NN's inverted index, built on first use.
for (const m of models) for (const p of prompts.slice(0, 50)) predict(m, p);
const per = models.map(() => [] as number[]);
let sink = 0;
for (let round = 0; round < Number(values.rounds); round++) {
  models.forEach((m, i) => {
    const c0 = cpuMicros(process.pid);
    for (const p of prompts) sink += predict(m, p);
    per[i]!.push((cpuMicros(process.pid) - c0) / prompts.length);
  });
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
positionals.forEach((f, i) => {
  console.log(
    `${f}: ${median(per[i]!).toFixed(0)} µs CPU per prompt (median; rounds ${per[i]!.map((x) => x.toFixed(0)).join(' ')})`,
  );
});
if (!Number.isFinite(sink)) console.log('(non-finite score)');
