/**
 * What reading a non-streamed answer costs per request (issue 14): JSON.parse of the upstream's text, the
 * depth check, and building the canonical response (`parseResponse`) — in one process, interleaved rounds,
 * on the fake upstream's answer (Chat Completions, same dialect as the client).
 *
 *   node --import tsx bench/parse-response-cost.ts [--rounds 9] [--n 200000]
 */
import { tooDeepAt } from '../src/core/json-depth.js';
import { CODECS } from '../src/providers/codecs.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
const ROUNDS = Number(arg('rounds', '9'));
const N = Number(arg('n', '200000'));
const text = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1733300000,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 14,
    completion_tokens: 9,
    total_tokens: 23,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
  system_fingerprint: 'fp_bench',
});
const parsedOnce = JSON.parse(text);
let sink = 0;
const steps: Array<[string, () => void]> = [
  ['JSON.parse', () => (sink += (JSON.parse(text) as { created: number }).created)],
  ['depth check', () => (sink += tooDeepAt(parsedOnce) === null ? 1 : 0)],
  ['parseResponse', () => (sink += CODECS.openai.parseResponse(parsedOnce, 'openai').usage?.outputText ?? 1)],
];
const per = new Map<string, number[]>(steps.map(([n]) => [n, []]));
for (let r = 0; r < ROUNDS + 1; r++) {
  for (const [name, f] of r % 2 ? steps : [...steps].reverse()) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) f();
    const ns = Number(process.hrtime.bigint() - t) / N;
    if (r > 0) per.get(name)!.push(ns); // round 0 warms up
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of per)
  console.log(`${name.padEnd(14)} ${median(xs).toFixed(0).padStart(6)} ns per answer (median of ${ROUNDS})`);
console.log(`(${text.length} bytes; ${sink > 0 ? 'ok' : '?'})`);
