/** The fake OpenAI + Anthropic upstream used by tests and benchmarks. */
export { DEFAULT_WORDS } from './answer.js';
export type { FakeUpstream, FakeUpstreamOptions, RecordedRequest, Scenario } from './fake-upstream.js';
export { startFakeUpstream } from './fake-upstream.js';
export { parseDirectives } from './scenario.js';
