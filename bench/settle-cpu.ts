/**
 * CPU of a request's settlement outside the ledger write, per build (`node --import tsx bench/settle-cpu.ts
 * [--build label=<dir>]… [--prompt-bytes N]`; a build is a directory holding `dist/`, default this
 * checkout's): the prompt hash, settle() alone, and settle + the x-penny-cost-usd text + the ledger entry +
 * its row encoding, for the gateway benchmark's request (one short user message, gpt-4o-mini, a priced
 * usage). Compiled builds only (tsx adds a `__name` call to every closure); interleaved rounds, medians of
 * ns of CPU per request.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const at = argv.indexOf('--prompt-bytes');
const PROMPT_BYTES = at >= 0 ? Number(argv[at + 1]) : 0;
const ROUNDS = 9;
const N = 200_000;
const dirs: Array<{ label: string; dir: string }> = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== '--build') continue;
  const spec = argv[i + 1] ?? '';
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--build: expected "label=dir", got "${spec}"`);
  dirs.push({ label: spec.slice(0, eq), dir: resolve(spec.slice(eq + 1)) });
}
if (dirs.length === 0) dirs.push({ label: 'this checkout', dir: process.cwd() });

// biome-ignore lint/suspicious/noExplicitAny: modules of other builds, loaded at run time
type Mod = any;
const load = async (dir: string, m: string): Promise<Mod> => import(pathToFileURL(join(dir, 'dist', m)).href);

const text = PROMPT_BYTES > 0 ? 'x'.repeat(PROMPT_BYTES) : 'Say hello in one short sentence.';
const request = {
  dialect: 'openai',
  model: 'gpt-4o-mini',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
};

const builds = [];
for (const { label, dir } of dirs) {
  const [catalogM, contextM, settleM, entryM, codecM, hashM, captureM, moneyM] = await Promise.all(
    [
      'pricing/catalog.js',
      'pipeline/context.js',
      'pipeline/settle/settle.js',
      'pipeline/settle/entry.js',
      'ledger/sqlite/row-codec.js',
      'prompts-store/prompt-hash.js',
      'prompts-store/capture-stage.js',
      'core/money.js',
    ].map((m) => load(dir, m)),
  );
  const catalog = catalogM.loadCatalog({});
  const ctxs = Array.from({ length: 1000 }, () =>
    contextM.createContext({
      id: 'req_01a24284873c00000105e13195',
      startedAt: Date.now(),
      t0: process.hrtime.bigint(),
      clientDialect: 'openai',
      request,
      original: request,
      attribution: { feature: null, user: null, keyId: null },
      clientKey: undefined,
      signal: new AbortController().signal,
      sink: { closed: false, json() {}, startStream() {}, write() {}, end() {} },
    }),
  );
  // The served model as an upstream answer gives it: a string parsed per request, not a literal.
  const outcomes = ctxs.map(() => ({
    status: 'ok',
    httpStatus: 200,
    provider: 'openai',
    servedModel: JSON.parse('"gpt-4o-mini"'),
    usage: { inputUncached: 16, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, outputText: 6, reasoning: 0 },
    response: null,
    error: null,
    ttftMs: null,
    simulated: false,
    written: true,
  }));
  const steps: Record<string, (i: number) => unknown> = {
    'prompt hash': (i) => hashM.promptHash(ctxs[i % 1000]!.original),
    'settle()': (i) => settleM.settle(ctxs[i % 1000], outcomes[i % 1000], catalog),
    'settle + cost header + entry + row': (i) => {
      const c = ctxs[i % 1000]!;
      c.slots.set(captureM.PROMPT_HASH, 'e7ff532d187d475b2c6c5d3dd66b212c');
      const s = settleM.settle(c, outcomes[i % 1000], catalog);
      moneyM.moneyToDecimal(s.cost);
      return codecM.entryToParams(entryM.buildEntry(c, outcomes[i % 1000], s));
    },
  };
  builds.push({ label, steps, ns: {} as Record<string, number[]> });
}

for (let round = 0; round < ROUNDS; round++) {
  for (const b of round % 2 ? [...builds].reverse() : builds) {
    for (const [name, f] of Object.entries(b.steps)) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < N; i++) f(i);
      const c = process.cpuUsage(c0);
      b.ns[name] = [...(b.ns[name] ?? []), ((c.user + c.system) * 1000) / N];
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `ns CPU per request, ${ROUNDS} interleaved rounds of ${N.toLocaleString('en')}` +
    (PROMPT_BYTES > 0 ? `, a ${PROMPT_BYTES}-byte prompt` : ''),
);
for (const name of Object.keys(builds[0]!.steps))
  console.log(
    `${name.padEnd(36)} ${builds.map((b) => `${b.label} ${median(b.ns[name]!).toFixed(0)}`).join('  ')}`,
  );
