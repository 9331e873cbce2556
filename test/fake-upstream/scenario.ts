/**
 * Scenarios: how the fake upstream should misbehave (or not) for one request. They are written as
 * `#fake:name` / `#fake:name=value` directives inside the LAST user message text, so they travel
 * through any gateway untouched, or forced programmatically with `fake.setNext(scenario)`.
 *
 * Directives: words=N, cached=N, cache_write=N, cache_write_1h=N, reasoning=N, status=N,
 * retry_after=SECONDS, delay=MS, chunk_delay=MS, stall_after=N, break_after=N, reset, finish=REASON,
 * bad_json, tool[=NAME], bad_sse_after=N, short_body, batch_drop, batch_dup, batch_garbage, batch_reject, batch_fail, batch_expire, line_error.
 */

export interface Scenario {
  /** Words in the answer text (default 12). Output tokens = words generated. */
  words?: number;
  /** Input tokens reported as read from the prompt cache. */
  cached?: number;
  /** Input tokens reported as written to the cache with the 5-minute TTL. */
  cacheWrite?: number;
  /** Input tokens reported as written to the cache with the 1-hour TTL (Anthropic). */
  cacheWrite1h?: number;
  /** Reasoning tokens (OpenAI reasoning_tokens; Anthropic: a thinking block of this many words). */
  reasoning?: number;
  /** Answer with this HTTP status and an error body in the provider's shape. */
  status?: number;
  /** `retry-after` seconds sent with 429/503/529 (default 1). */
  retryAfter?: number;
  /** Milliseconds before the status line and headers. */
  delay?: number;
  /** Milliseconds between stream chunks. */
  chunkDelay?: number;
  /** Stream: send this many content chunks, then hang without ending. */
  stallAfter?: number;
  /** Stream: send this many content chunks, then destroy the socket. */
  breakAfter?: number;
  /** Destroy the socket before any response. */
  reset?: boolean;
  /** Finish reason to report, in OpenAI terms ("stop", "length", "tool_calls", "content_filter", …). */
  finish?: string;
  /** Answer 200 with a malformed body. */
  badJson?: boolean;
  /** Answer with a tool call (to the named tool, or the first one). */
  tool?: boolean | string;
  /** Stream: after this many content chunks, send a line of garbage SSE, then end the stream normally. */
  badSseAfter?: number;
  /** Declare a content-length larger than the body, send the body, then close the socket (a short body). */
  shortBody?: boolean;
  /** Micro-batch prompt: leave this item out of the answers (`#fake:batch_drop` in the item's text). */
  batchDrop?: boolean;
  /** Micro-batch prompt: answer this item twice. */
  batchDup?: boolean;
  /** Micro-batch prompt: answer with text that is not the JSON asked for. */
  batchGarbage?: boolean;
  /** Batch API line: the provider rejects the batch (400 at creation). */
  batchReject?: boolean;
  /** Batch API line: the batch ends `failed`. */
  batchFail?: boolean;
  /** Batch API line: the batch ends `expired` and this line is not answered. */
  batchExpire?: boolean;
  /** Batch API line: this line gets a per-line error. */
  lineError?: boolean;
}

export const DIRECTIVE = /#fake:([a-z0-9_]+)(?:=([^\s"\\]+))?/g;

const NUMERIC: Record<string, keyof Scenario> = {
  words: 'words',
  cached: 'cached',
  cache_write: 'cacheWrite',
  cache_write_5m: 'cacheWrite',
  cache_write_1h: 'cacheWrite1h',
  reasoning: 'reasoning',
  status: 'status',
  retry_after: 'retryAfter',
  delay: 'delay',
  chunk_delay: 'chunkDelay',
  stall_after: 'stallAfter',
  break_after: 'breakAfter',
  bad_sse_after: 'badSseAfter',
};

/** Parses every `#fake:` directive in `text`; unknown names are an error, so typos fail loudly. */
export function parseDirectives(text: string): Scenario {
  const s: Scenario = {};
  if (!text.includes('#fake:')) return s;
  for (const m of text.matchAll(DIRECTIVE)) {
    const name = m[1] ?? '';
    const value = m[2];
    const key = NUMERIC[name];
    if (key !== undefined) {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 0) {
        throw new Error(`#fake:${name} needs a non-negative integer, got ${value ?? '(nothing)'}`);
      }
      (s as Record<string, number>)[key] = n;
    } else if (name === 'reset') s.reset = true;
    else if (name === 'bad_json') s.badJson = true;
    else if (name === 'short_body') s.shortBody = true;
    else if (name === 'batch_drop') s.batchDrop = true;
    else if (name === 'batch_dup') s.batchDup = true;
    else if (name === 'batch_garbage') s.batchGarbage = true;
    else if (name === 'batch_reject') s.batchReject = true;
    else if (name === 'batch_fail') s.batchFail = true;
    else if (name === 'batch_expire') s.batchExpire = true;
    else if (name === 'line_error') s.lineError = true;
    else if (name === 'tool') s.tool = value ?? true;
    else if (name === 'finish') {
      if (value === undefined) throw new Error('#fake:finish needs a value, e.g. #fake:finish=length');
      s.finish = value;
    } else throw new Error(`unknown directive #fake:${name}`);
  }
  return s;
}

/** The text with every directive removed and whitespace collapsed. */
export function stripDirectives(text: string): string {
  if (!text.includes('#fake:')) return text.trim().replace(/\s+/g, ' ');
  return text.replace(DIRECTIVE, ' ').trim().replace(/\s+/g, ' ');
}
