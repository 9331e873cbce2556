/**
 * The upstream headers a client needs to back off after an upstream 429/503/529: `retry-after`,
 * `retry-after-ms` and `x-should-retry` (all read by the official SDKs), and the rate-limit families (`x-ratelimit-*` from
 * OpenAI-format providers, `anthropic-ratelimit-*` from Anthropic). Penny passes them to the client with
 * the error when the error it answers came from such a response. Names are matched exactly, values are
 * bounded and limited to visible ASCII, and their number is capped, so nothing unbounded is echoed.
 */
const NAME =
  /^(?:retry-after|retry-after-ms|x-should-retry|x-ratelimit-[a-z0-9-]{1,64}|anthropic-ratelimit-[a-z0-9-]{1,64})$/;
const VALUE = /^[\x20-\x7e]{1,200}$/;
const MAX_HEADERS = 24;

export function rateLimitHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  let n = 0;
  for (const name in headers) {
    if (!NAME.test(name)) continue;
    const raw = headers[name];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (v === undefined || !VALUE.test(v)) continue;
    out ??= {};
    out[name] = v;
    if (++n >= MAX_HEADERS) break;
  }
  return out;
}
