/**
 * The same-dialect fast path of the upstream request: when the upstream speaks the client's dialect and no
 * stage changed the request other than its model (routing) or OpenAI's `prompt_cache_key`, the client's
 * own bytes are sent with only those members edited (and OpenAI's `stream_options.include_usage` forced on
 * a stream, so usage is always reported), instead of rendering the canonical request again. Anything else
 * — compression, a max_tokens cap, brevity, Anthropic cache markers, another dialect — returns null and
 * takes the canonical render. The edited values are exactly what the canonical render would write, so the
 * upstream sees the same request either way (fast-body.test.ts checks this on a corpus).
 */
import { objectLayout, setMembers } from '../../core/json-members.js';
import type { CanonicalRequest, Dialect } from '../../core/request.js';
import { ownCopy } from '../../core/own-copy.js';

/** How often the fast path was taken (read by tests; two increments per request cost nothing). */
export const FAST_PATH = { requests: 0, rawStreamChunks: 0 };

/** `stream_options` of a stream whose client sent none: what `JSON.stringify({ include_usage: true })` gives. */
const ONLY_INCLUDE_USAGE = '{"include_usage":true}';

/** Canonical fields a stage may change while the client's bytes stay usable, by dialect. */
const EDITABLE: Readonly<Record<string, ReadonlySet<string>>> = {
  openai: new Set(['model', 'promptCacheKey']),
  anthropic: new Set(['model']),
};

/**
 * The body to send upstream built from the client's bytes, or null when the canonical render must be used.
 * `request` is the attempt's request; `original` is the request as parsed from `raw`.
 */
export function fastRequestBody(
  raw: Buffer | undefined,
  dialect: Dialect,
  upstreamDialect: Dialect,
  request: CanonicalRequest,
  original: CanonicalRequest,
  model: string,
): Buffer | null {
  if (raw === undefined || upstreamDialect !== dialect) return null;
  const editable = EDITABLE[dialect];
  if (editable === undefined) return null;
  if (request !== original) {
    for (const k in request) {
      const key = k as keyof CanonicalRequest;
      if (request[key] !== original[key] && !editable.has(key)) return null;
    }
    for (const k in original) if (!(k in request)) return null;
  }
  const values = new Map<string, string>();
  if (model !== original.model) values.set('model', JSON.stringify(model));
  if (dialect === 'openai') {
    if (request.promptCacheKey !== original.promptCacheKey) {
      if (request.promptCacheKey === undefined) return null;
      values.set('prompt_cache_key', JSON.stringify(request.promptCacheKey));
    }
    const options = original.extra.stream_options;
    if (request.stream) {
      // As the canonical render: the client's other stream options kept, include_usage forced on.
      if (request.streamUsage !== true) {
        // Usually the client sent none: the constant text, not a spread clone (see outcomes.ts, sseHeaders).
        values.set(
          'stream_options',
          options !== null && typeof options === 'object'
            ? JSON.stringify(Object.assign(ownCopy(options), { include_usage: true }))
            : ONLY_INCLUDE_USAGE,
        );
      }
    } else if (options !== undefined || request.streamUsage !== undefined) {
      return null; // the render drops stream_options from a non-streamed request; rare, left to it
    }
  }
  const layout = objectLayout(raw);
  if (layout === null) return null;
  for (const m of layout.members) if (m.key === '__proto__') return null; // parsed away; never forwarded
  FAST_PATH.requests++;
  return values.size === 0 ? raw : setMembers(raw, layout, values);
}
