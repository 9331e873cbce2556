/**
 * Which wire format a request is sent upstream in. A Responses API client's request goes to an OpenAI
 * provider's own `/v1/responses` — reasoning items (ids, encrypted content), reasoning summaries, built-in
 * tools and Responses-only models only work there — and is translated to Chat Completions for every other
 * OpenAI-format server (vLLM, Ollama, Groq … rarely speak the Responses API) or to Messages for Anthropic.
 */
import type { Dialect } from '../../core/request.js';
import { PROVIDER_TYPES } from '../registry.js';

/** Provider types whose servers speak the Responses API at `<baseUrl>/responses`. */
const RESPONSES_UPSTREAMS: ReadonlySet<string> = new Set(['openai']);

export { RESPONSES_PATH } from './upstream-path.js';

export function upstreamDialectFor(providerType: keyof typeof PROVIDER_TYPES, client: Dialect): Dialect {
  const dialect = PROVIDER_TYPES[providerType].dialect;
  if (dialect === 'anthropic') return 'anthropic';
  return client === 'responses' && RESPONSES_UPSTREAMS.has(providerType) ? 'responses' : 'openai';
}
