/**
 * Makes any string safe as an HTTP header value. Values Penny echoes back (x-penny-model, x-penny-route …)
 * can come from the client, and Node throws ERR_INVALID_CHAR on a NUL, a CR/LF or anything above U+00FF —
 * after the upstream call, when the answer is being written. Every header Penny sets goes through
 * `safeHeaders` at the sinks, so no stage has to remember it.
 *
 * Encoding: a value made of visible ASCII and spaces is kept as is; any other character is written as the
 * percent-encoded bytes of its UTF-8 form (`gpt-4o-mini-日本` → `gpt-4o-mini-%E6%97%A5%E6%9C%AC`, which
 * `decodeURIComponent` turns back). The result is capped at MAX_HEADER_VALUE characters (never cutting an
 * escape), so one header can never overflow a client's header limit. The mapping is idempotent.
 */
export const MAX_HEADER_VALUE = 1024;

// Visible ASCII (0x21–0x7E) and the space; anything else needs encoding.
const UNSAFE = /[^\x20-\x7e]/;

export function safeHeaderValue(value: string): string {
  if (!UNSAFE.test(value)) return value.length > MAX_HEADER_VALUE ? value.slice(0, MAX_HEADER_VALUE) : value;
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    let piece = ch;
    if (cp < 0x20 || cp > 0x7e) {
      piece = '';
      for (const b of Buffer.from(ch, 'utf8')) piece += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    // Whole characters only: never half of a character's escapes.
    if (out.length + piece.length > MAX_HEADER_VALUE) break;
    out += piece;
  }
  return out;
}

/**
 * `headers` with every value made safe (names are Penny's own, never the client's). Every answer passes
 * here and nearly every value is safe already, so `headers` itself is returned when none needs a change;
 * otherwise a copy (the caller's object is never modified, and a sink must not modify what it is given).
 */
export function safeHeaders(headers: Record<string, string>): Record<string, string> {
  for (const k in headers) {
    const v: unknown = headers[k];
    if (typeof v !== 'string' || v.length > MAX_HEADER_VALUE || UNSAFE.test(v)) return safeCopy(headers);
  }
  return headers;
}

function safeCopy(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) out[k] = safeHeaderValue(String(headers[k]));
  return out;
}
