/**
 * `npm run chaos` — the load-and-fault suite at full size (see RELIABILITY.md). Loopback only; bounded in
 * count and time; stops by itself.
 *
 *   npm run chaos -- [--requests 20000] [--concurrency 64] [--seed 1] [--sigterm 0.5 | --sigkill 0.5] [--journal] [--json]
 */
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { runChaos } from '../test/chaos/run.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    seed: { type: 'string', default: '1' },
    sigterm: { type: 'string' },
    sigkill: { type: 'string' },
    journal: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'usage: npm run chaos -- [--requests N] [--concurrency C] [--seed S] [--sigterm SHARE | --sigkill SHARE] [--journal] [--json]',
  );
  process.exit(0);
}
const int = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`chaos: --${name} must be a positive integer, got ${v}`);
    process.exit(2);
  }
  return n;
};
const share = (name: string, v: string) => {
  const n = Number(v);
  if (!(n > 0 && n < 1)) {
    console.error(`chaos: --${name} must be a share between 0 and 1, got ${v}`);
    process.exit(2);
  }
  return n;
};
const requests = int('requests', values.requests);
const bar = new SingleBar({ format: 'chaos [{bar}] {value}/{total} requests', stream: process.stderr });
bar.start(requests, 0);
const result = await runChaos({
  requests,
  concurrency: int('concurrency', values.concurrency),
  seed: int('seed', values.seed),
  ...(values.sigterm
    ? { signal: { kind: 'SIGTERM' as const, atShare: share('sigterm', values.sigterm) } }
    : {}),
  ...(values.sigkill
    ? { signal: { kind: 'SIGKILL' as const, atShare: share('sigkill', values.sigkill) } }
    : {}),
  journal: values.journal,
  onProgress: (d) => bar.update(d),
});
bar.stop();
const r = result.report;
if (values.json) {
  console.log(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
} else {
  const faults = Object.entries(result.faults)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const rows: Array<[string, string]> = [
    ['requests (clients)', String(r.requests)],
    ['upstream calls', String(result.upstreamCalls)],
    ['faults injected', faults],
    [
      'client outcomes',
      Object.entries(r.seen)
        .map(([k, n]) => `${k} ${n}`)
        .join(', '),
    ],
    ['ledger entries', String(r.entries)],
    ['entries lost', String(r.lost)],
    ['duplicate entries', String(r.duplicates)],
    ['wrong statuses', String(r.wrongStatus)],
    ['aborted after the answer was complete', String(r.abortedAfterAnswer)],
    ['aborted before Penny read them (no entry, no upstream call)', String(r.abortedBeforeReceived)],
    [
      'cost groups checked exactly',
      `${r.costGroupsChecked} (estimated by design: ${r.costGroupsEstimated}; with a call Penny cut, checked exactly: ${r.costGroupsCut})`,
    ],
    ['cost mismatches', String(r.costMismatches)],
    ['ledger total = independent total', `${r.ledgerTotal === r.independentTotal} (${r.ledgerTotal} pUSD)`],
    ['cost header mismatches', String(r.headerMismatches)],
    [
      'budget (feature budgeted, $0.003 total, reject)',
      `spent ${result.budget.spentPico} of ${result.budget.limitPico} pUSD; served ${result.budget.served}, refused ${result.budget.refused} (429, recorded)`,
    ],
    ['rate limit (feature limited, 10 rpm)', `refused ${result.budget.rateLimited} (429, recorded)`],
    ['budget/rate-limit problems', String(result.budget.problems.length)],
    ['violations', String(r.violations.length)],
    ['slowest request', `${Math.round(r.maxLatencyMs)} ms`],
    [
      'RSS start / peak / end',
      `${result.rssStartMb.toFixed(0)} / ${result.rssPeakMb.toFixed(0)} / ${result.rssEndMb.toFixed(0)} MB`,
    ],
    ['crashes', result.crashed ? `1 (exit ${result.exitCode})` : '0'],
    ['wall time', `${result.seconds.toFixed(1)} s`],
  ];
  if (values.sigterm || values.sigkill)
    rows.push([
      'after the signal',
      `refused ${result.afterSignal.refused}, answered ${result.afterSignal.answered}, answered but unrecorded ${result.afterSignal.lostAnswered}`,
    ]);
  for (const [k, val] of rows) console.log(`| ${k} | ${val} |`);
  for (const x of r.violations.slice(0, 30)) console.log(`  violation #${x.n}: ${x.kind} ${x.detail}`);
  if (result.crashed) console.log(result.stderrTail);
}
for (const x of result.budget.problems.slice(0, 30)) console.log(`  budget: ${x}`);
process.exit(r.violations.length === 0 && result.budget.problems.length === 0 && !result.crashed ? 0 : 1);
