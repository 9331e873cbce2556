/**
 * `npm run bench:router [-- --datasets DIR --routers N --bootstrap N --methods a,b]`: prompt-only routers
 * (all of them, or the comma-separated `--methods`, e.g. `dual,dual-gbdt` for a run of a few minutes) trained on one
 * shared dataset's train half and tested on each dataset's test half, against seeded random routers
 * (src/bench/replay/router-transfer.ts). Writes bench/results/router/summary.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadGsm8k, loadMmlu, resolveDatasetsDir } from '../src/bench/replay/datasets.js';
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
const t0 = Date.now();
const report = runRouterTransfer([loadGsm8k(root), loadMmlu(root)], {
  routers: Number(values.routers),
  bootstrap: Number(values.bootstrap),
  ...(methods ? { methods } : {}),
  log: (l) => console.log(l),
});
const md = transferMarkdown(report, 'npm run bench:router');
mkdirSync(values.out!, { recursive: true });
writeFileSync(join(values.out!, 'summary.md'), md);
console.log(md);
console.log(`bench:router: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
