// What an object literal opening with a spread costs when members are added after it, on this node
// (`node bench/spread-clone.mjs`): Node 20's V8 gives the clone a map outside the transition tree, so each
// member added after the spread builds a new map. One process, cases interleaved, median ns per literal.
const base = () => ({ provider: 'openai', servedModel: 'gpt-4o-mini', simulated: false });
const shared = base();
const resp = { usage: { a: 1 } };
let keep;
const cases = {
  '{ ...base } (clone only)': () => ({ ...shared }),
  '{ ...base, provider } (overwrites a member)': () => ({ ...shared, provider: 'x' }),
  '{ ...base, status } (one new member)': () => ({ ...shared, status: 'ok' }),
  '{ ...base, 8 new members } (the outcome literal)': () => ({
    ...shared,
    status: 'ok',
    httpStatus: 200,
    usage: resp.usage,
    response: resp,
    error: null,
    ttftMs: null,
    written: false,
    body: 'x',
  }),
  'members listed (the fix)': () => ({
    provider: shared.provider,
    servedModel: shared.servedModel,
    simulated: shared.simulated,
    status: 'ok',
    httpStatus: 200,
    usage: resp.usage,
    response: resp,
    error: null,
    ttftMs: null,
    written: false,
    body: 'x',
  }),
  '{ status, ...base } (own member first)': () => ({ status: 'ok', ...shared }),
};
const N = 100_000;
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < 7; round++) {
  for (const [name, f] of Object.entries(cases)) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) keep = f();
    times[name].push(Number(process.hrtime.bigint() - t) / N);
  }
}
void keep;
void base;
console.log(`node ${process.version}, median of 7 rounds of ${N}`);
for (const [name, t] of Object.entries(times)) {
  t.sort((a, b) => a - b);
  console.log(`${t[3].toFixed(1).padStart(8)} ns  ${name}`);
}
