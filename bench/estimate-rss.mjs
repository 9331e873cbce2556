/**
 * A process's RSS around its first usage estimate (tokens/estimate-tokens.ts): one claude-sonnet-4-5 estimate of a
 * short chat and answer, from a build's `dist/`, RSS before, at the answer and 2 s later, the thread count, and the
 * first estimate's wall time and the process's CPU (issue 14 item 3; BENCHMARKS.md, round 9).
 *
 *   node bench/estimate-rss.mjs /absolute/path/to/dist
 */
import { readFileSync } from 'node:fs';
const dist = process.argv[2];
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
const { estimateTokens } = await import(`${dist}/tokens/estimate-tokens.js`);
await new Promise((r) => setTimeout(r, 300));
const before = rss();
const req = {
  dialect: 'openai',
  model: 'claude-sonnet-4-5',
  system: [{ type: 'text', text: 'You are a helpful assistant.' }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello in one short sentence, please.' }] }],
  stream: true,
  extra: {},
};
const c0 = process.cpuUsage();
const t0 = performance.now();
const r = await estimateTokens(req, 'Hello! I hope you are having a wonderful day.', 'claude-sonnet-4-5');
const wall = performance.now() - t0;
const c = process.cpuUsage(c0);
const after = rss();
const th = threads();
await new Promise((res) => setTimeout(res, 2000));
console.log(
  dist.split('/').pop(),
  JSON.stringify(r),
  `RSS ${before.toFixed(1)} -> ${after.toFixed(1)} -> 2 s later ${rss().toFixed(1)} MB; threads ${th}; first estimate ${wall.toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU (process)`,
);
process.exit(0);
