/**
 * `npm run bench:router [-- --datasets DIR --routers N --bootstrap N --methods a,b]`: prompt-only routers
 * (all of them, or the comma-separated `--methods`, e.g. `dual,dual-gbdt` for a run of a few minutes) trained on one
 * shared dataset's train half and tested on each dataset's test half, against seeded random routers
 * (src/bench/replay/router-transfer.ts). `--sets gsm8k,mmlu,mt_bench,overruling` picks the datasets (default
 * GSM8K and MMLU, which are also pooled). Writes bench/results/router/summary.md (or `--out DIR`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDatasetsDir } from '../src/bench/replay/datasets.js';
import { ROUTER_SETS, routerSets } from '../src/bench/replay/router-sets.js';
import type { RouterMethod } from '../src/bench/replay/router-training.js';
import {
  runRouterTransfer,
  TRANSFER_METHODS,
  transferMarkdown,
} from '../src/bench/replay/router-transfer.js';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    routers: { type: 'string', default: '1000' },
    bootstrap: { type: 'string', default: '500' },
    out: { type: 'string', default: 'bench/results/router' },
    methods: { type: 'string' },
    // gsm8k, mmlu (the default), mt_bench, overruling (its cheapest and best frontier models, as
    // `penny router train --input` picks them); pooled training on all of them only for the default two.
    sets: { type: 'string', default: 'gsm8k,mmlu' },
  },
});
const root = resolveDatasetsDir(values.datasets);
if (!root) {
  console.error('bench:router: datasets folder not found (--datasets DIR or PENNY_DATASETS)');
  process.exit(1);
}
let methods: RouterMethod[] | undefined;
if (values.methods !== undefined) {
  const asked = values.methods.split(',').map((m) => m.trim());
  const unknown = asked.filter((m) => !(TRANSFER_METHODS as readonly string[]).includes(m));
  if (asked.length === 0 || unknown.length > 0) {
    console.error(
      `bench:router: --methods: unknown ${unknown.join(', ')} (choose from ${TRANSFER_METHODS.join(', ')})`,
    );
    process.exit(1);
  }
  methods = asked as RouterMethod[];
}
let sets: string[];
try {
  sets = routerSets(values.sets!);
} catch (e) {
  console.error(`bench:router: ${(e as Error).message}`);
  process.exit(1);
}
const t0 = Date.now();
const loaded = sets.map((s) => ROUTER_SETS[s]!(root));
for (const d of loaded) {
  if ('cheap' in d && 'strong' in d)
    console.log(`bench:router: ${d.name} as ${String(d.cheap)} → ${String(d.strong)}`);
}
const report = runRouterTransfer(loaded, {
  pooled: values.sets === 'gsm8k,mmlu',
  routers: Number(values.routers),
  bootstrap: Number(values.bootstrap),
  ...(methods ? { methods } : {}),
  log: (l) => console.log(l),
});
const args = process.argv.slice(2).join(' ');
const md = transferMarkdown(report, `npm run bench:router${args ? ` -- ${args}` : ''}`);
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'summary.md'), md);
console.log(md);
console.log(`bench:router: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
