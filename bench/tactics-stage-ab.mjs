// CPU per request of the tactics' stage work on a cache miss, in-process: the cache and compress stages
// (SQLite store, `allowSampling`, compression's lossless transforms) around a terminal that answers like the
// benchmark's fake upstream, minus the same request parse and terminal without the stages. Several builds in
// one process, interleaved rounds, medians (robust on a loaded machine; compare builds within one run).
//
//   node bench/tactics-stage-ab.mjs before=/path/to/dist after=dist [--rounds 7] [--requests 20000]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 7);
const N = opt('requests', 20000);
const builds = argv.filter((a) => a.includes('=')).map((a) => a.split('='));
if (builds.length === 0) builds.push(['dist', 'dist']);
const upstream =
  '{"id":"chatcmpl-fast","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"echo: fast path lorem ipsum dolor","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":16,"completion_tokens":6,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fake"}';
const sink = { closed: false, json() {}, startStream() {}, write() {}, end() {} };
let uniq = 0;
const runs = [];
for (const [label, dir] of builds) {
  const D = pathToFileURL(resolve(dir)).href;
  const { CODECS } = await import(`${D}/providers/codecs.js`);
  const { loadConfig } = await import(`${D}/config/load.js`);
  const { loadCatalog } = await import(`${D}/pricing/catalog.js`);
  const { createContext } = await import(`${D}/pipeline/context.js`);
  const { CacheStage } = await import(`${D}/pipeline/cache/cache-stage.js`);
  const { createCompressStage } = await import(`${D}/pipeline/compress/compress-stage.js`);
  const { createLogger } = await import(`${D}/observability/logger.js`);
  const { CallAbort } = await import(`${D}/core/call-signal.js`);
  const tmp = mkdtempSync(join(tmpdir(), 'penny-stage-ab-'));
  const loaded = loadConfig({
    object: {
      ledger: { path: join(tmp, 'ledger.db') },
      features: { default: { cache: { enabled: true, allowSampling: true }, compress: {} } },
      providers: {
        openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-bench-0123456789abcdefghij' },
      },
    },
    env: {},
  });
  const deps = { loaded, catalog: loadCatalog({}), logger: createLogger('warn'), ledger: null };
  const stages = [new CacheStage(deps), createCompressStage(deps)];
  const policy = loaded.config.features.default;
  const terminal = async () => {
    await null;
    const response = CODECS.openai.parseResponse(JSON.parse(upstream), 'openai');
    return {
      provider: 'openai',
      servedModel: 'gpt-4o-mini',
      simulated: false,
      status: 'ok',
      httpStatus: 200,
      usage: response.usage,
      response,
      error: null,
      ttftMs: null,
      written: false,
      body: upstream,
      // As execute/single.ts: the upstream's own text of the answer (builds before it ignore this).
      upstreamText: { response, dialect: 'openai', text: upstream },
    };
  };
  const context = (i) => {
    const request = CODECS.openai.parseRequest({
      model: 'gpt-4o-mini',
      stream: false,
      messages: [
        {
          role: 'system',
          content: 'You are a concise assistant for the Penny benchmark. Answer in one line.',
        },
        {
          role: 'user',
          content: `Say hello in one short sentence. Request ${process.pid}-${label}-${uniq++}.`,
        },
      ],
    });
    const ctx = createContext({
      id: `r${i}`,
      startedAt: Date.now(),
      t0: process.hrtime.bigint(),
      clientDialect: 'openai',
      request,
      original: request,
      attribution: { feature: null, user: null, keyId: null },
      clientKey: undefined,
      signal: new CallAbort().signal,
      sink,
      requestHeaders: { authorization: 'Bearer penny' },
    });
    ctx.policy = policy;
    return ctx;
  };
  const withStages = (i) => {
    const ctx = context(i);
    const dispatch = (k) => (k < stages.length ? stages[k].run(ctx, () => dispatch(k + 1)) : terminal());
    return dispatch(0);
  };
  const without = (i) => {
    context(i);
    return terminal();
  };
  runs.push({ label, withStages, without, stages });
}
// Ten requests at a time, then a turn of the event loop (the store's batches are written on timers).
async function drive(fn, n) {
  for (let i = 0; i < n; i += 10) {
    const ps = [];
    for (let j = 0; j < 10; j++) ps.push(fn(i + j));
    await Promise.all(ps);
    await new Promise((r) => setImmediate(r));
  }
}
const cpu = async (fn, n) => {
  const t0 = process.cpuUsage();
  await drive(fn, n);
  const c = process.cpuUsage(t0);
  return (c.user + c.system) / n;
};
for (const r of runs) {
  await drive(r.withStages, 15000); // warm-up; fills the store past its 10k bound
  await drive(r.without, 5000);
}
const res = new Map(runs.map((r) => [r.label, []]));
for (let round = 0; round < ROUNDS; round++)
  for (const r of round % 2 ? [...runs].reverse() : runs)
    res.get(r.label).push((await cpu(r.withStages, N)) - (await cpu(r.without, N / 2)));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
for (const [label, v] of res)
  console.log(
    `${label}: ${median(v).toFixed(2)} µs CPU per miss in the stages (rounds: ${v.map((x) => x.toFixed(1)).join(' ')}; load ${load})`,
  );
for (const r of runs) for (const s of r.stages) await s.close?.();
