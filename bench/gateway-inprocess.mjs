// CPU and heap allocation per request of Penny's own gateway work, in-process: `assembleCore` with the
// benchmark server's configuration (no tactics, SQLite ledger, metrics), `Gateway.handle` for a parsed
// client body, the upstream replaced by an answer like the fake upstream's (same text, resolved on a later
// turn). No sockets, no node:http, no undici: what is left is parse, stages, execute, settle, ledger and
// metrics — the part of a request that is Penny's code. Several builds in one process, interleaved rounds,
// medians (compare builds within one run; allocation per request is not changed by machine load).
//
//   node bench/gateway-inprocess.mjs before=/path/to/dist after=dist [--rounds 7] [--requests 20000]
//     [--stream] [--concurrency 10]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 7);
const N = opt('requests', 20000);
const CONC = opt('concurrency', 10);
const STREAM = argv.includes('--stream');
const builds = argv.filter((a) => a.includes('=') && !a.startsWith('--')).map((a) => a.split('='));
if (builds.length === 0) builds.push(['dist', 'dist']);

const answer =
  '{"id":"chatcmpl-fast","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"echo: fast path lorem ipsum dolor","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":16,"completion_tokens":6,"total_tokens":22,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fake"}';
const chunk = (delta, extra = '') =>
  `data: {"id":"chatcmpl-fast","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_fake","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${extra ? '"stop"' : 'null'}}]}\n\n`;
const sse = Buffer.from(
  `${chunk('{"role":"assistant","content":""}')}${chunk('{"content":"echo: fast path"}')}${chunk('{"content":" lorem ipsum dolor"}')}${chunk('{}', 'stop')}data: {"id":"chatcmpl-fast","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","system_fingerprint":"fp_fake","choices":[],"usage":{"prompt_tokens":16,"completion_tokens":6,"total_tokens":22}}\n\ndata: [DONE]\n\n`,
);
const upstreamHeaders = { 'content-type': 'application/json' };
const sseHeaders = { 'content-type': 'text/event-stream' };
const rawBody = Buffer.from(
  JSON.stringify({
    model: 'gpt-4o-mini',
    stream: STREAM,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  }),
);
const headers = {
  host: '127.0.0.1:8787',
  'content-type': 'application/json',
  authorization: 'Bearer sk-bench-0123456789abcdefghij',
  'content-length': String(rawBody.length),
};

class Sink {
  closed = false;
  json() {}
  startStream() {}
  write() {}
  end() {}
  full() {
    return false;
  }
}

const runs = [];
for (const [label, dir] of builds) {
  const D = pathToFileURL(resolve(dir)).href;
  const { loadConfig } = await import(`${D}/config/load.js`);
  const { buildCatalog } = await import(`${D}/app.js`);
  const { assembleCore } = await import(`${D}/assemble.js`);
  const { createLogger } = await import(`${D}/observability/logger.js`);
  const { CallAbort } = await import(`${D}/core/call-signal.js`);
  const tmp = mkdtempSync(join(tmpdir(), 'penny-gw-inproc-'));
  const loaded = loadConfig({
    object: {
      server: { port: 0 },
      ledger: { path: join(tmp, 'ledger.db') },
      providers: {
        openai: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-bench-0123456789abcdefghij' },
      },
    },
    env: {},
  });
  const core = assembleCore({ loaded, catalog: buildCatalog(loaded), logger: createLogger('warn') });
  const up = core.gateway.upstreams;
  // The upstream answers on a later turn, as a socket read would.
  up.call = (_p, _m, _body, opts) =>
    new Promise((r) =>
      setImmediate(() => {
        opts.onResponse?.(200, upstreamHeaders);
        r({ statusCode: 200, headers: upstreamHeaders, text: answer });
      }),
    );
  up.open = (_p, _m, _body, opts) =>
    new Promise((r) =>
      setImmediate(() => {
        opts.onResponse?.(200, sseHeaders);
        let ended = false;
        const body = {
          text: async () => sse.toString(),
          each(onChunk) {
            return new Promise((done) =>
              setImmediate(() => {
                if (!ended) onChunk(sse);
                ended = true;
                done();
              }),
            );
          },
          resume() {},
          stop() {
            ended = true;
          },
        };
        r({ statusCode: 200, headers: sseHeaders, body });
      }),
    );
  const one = () => {
    const ac = new CallAbort();
    return core.gateway.handle({
      dialect: 'openai',
      body: JSON.parse(rawBody.toString('utf8')),
      raw: rawBody,
      headers,
      sink: new Sink(),
      signal: ac.signal,
      isPennyToken: () => false,
    });
  };
  const check = await one();
  if (check.status !== 'ok') throw new Error(`${label}: ${check.status} ${check.errorClass}`);
  runs.push({ label, one, core, cpu: [], bytes: [] });
}

async function round(r, n) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await r.one();
    }
  };
  const c0 = process.cpuUsage();
  const b0 = allocated();
  await Promise.all(Array.from({ length: CONC }, worker));
  const c = process.cpuUsage(c0);
  const b = allocated() - b0;
  await r.core.ledger.flush?.();
  return { cpu: (c.user + c.system) / n, bytes: b / n };
}

// Bytes allocated on the V8 heap since the last call, from v8.GCProfiler's heap statistics around each GC.
let profiler = null;
function allocated() {
  // v8.GCProfiler gives heap spaces before and after each GC; the allocation between two reads is the sum of
  // (used before GC − used after the previous GC) plus the growth since the last GC.
  if (!profiler) {
    profiler = new v8.GCProfiler();
    profiler.start();
    allocated.base = usedNow();
    allocated.total = 0;
    return 0;
  }
  const { statistics } = profiler.stop();
  profiler.start();
  let last = allocated.base;
  for (const s of statistics) {
    allocated.total += Math.max(0, total(s.beforeGC) - last);
    last = total(s.afterGC);
  }
  const now = usedNow();
  allocated.total += Math.max(0, now - last);
  allocated.base = now;
  return allocated.total;
}
const total = (side) => side.heapSpaceStatistics.reduce((a, s) => a + s.spaceUsedSize, 0);
const usedNow = () => v8.getHeapSpaceStatistics().reduce((a, s) => a + s.space_used_size, 0);

for (const r of runs) await round(r, Math.min(N, 5000)); // warm-up
for (let i = 0; i < ROUNDS; i++) {
  const order = i % 2 === 0 ? runs : [...runs].reverse();
  for (const r of order) {
    const x = await round(r, N);
    r.cpu.push(x.cpu);
    r.bytes.push(x.bytes);
  }
}
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = runs[0];
console.log(
  `${STREAM ? 'stream' : 'json'}: ${ROUNDS} rounds of ${N} requests at ${CONC} at a time (medians)`,
);
console.log(
  '| build | µs CPU per request | vs first | rounds lower than first | bytes allocated per request |',
);
console.log('|---|---:|---:|---:|---:|');
for (const r of runs) {
  const lower = r === base ? '–' : `${r.cpu.filter((c, i) => c < base.cpu[i]).length} of ${ROUNDS}`;
  console.log(
    `| ${r.label} | ${med(r.cpu).toFixed(2)} | ${(med(r.cpu) / med(base.cpu)).toFixed(3)}× | ${lower} | ${Math.round(med(r.bytes))} |`,
  );
}
for (const r of runs) await r.core.ledger.close?.();
process.exit(0);
