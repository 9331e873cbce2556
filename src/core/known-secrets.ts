/**
 * Redaction by value. Pattern-based redaction (providers/redact.ts) only knows key formats ("sk-…"); a
 * pass-through key in any other format, echoed back by an upstream 401, would reach logs and error bodies
 * in clear. So every key Penny knows — configured provider keys, Penny's own tokens, and the keys a client
 * sent with a request in flight — is remembered here, and `redactKnownSecrets` masks each of them wherever
 * it appears. Counts make concurrent requests with the same key safe to forget.
 */
const counts = new Map<string, number>();
/** Longest first, so a key that contains another is masked whole; rebuilt when next needed after a change. */
let ordered: Array<[value: string, mask: string]> = [];
let stale = false;

/** Values shorter than this are placeholders ("penny", "sk-none"), never masked. */
export const MIN_SECRET_LENGTH = 8;

function rebuild(): void {
  stale = false;
  const out: Array<[string, string]> = [];
  for (const v of counts.keys()) {
    const m = mask(v);
    out.push([v, m]);
    // Also its JSON-escaped form, as it appears inside a serialised log line or body.
    const escaped = JSON.stringify(v).slice(1, -1);
    if (escaped !== v) out.push([escaped, m]);
  }
  ordered = out.sort((a, b) => b[0].length - a[0].length);
}

function mask(v: string): string {
  return v.length >= 20 ? `${v.slice(0, 3)}***` : '***';
}

export function rememberSecret(value: string | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  const n = counts.get(value) ?? 0;
  counts.set(value, n + 1);
  if (n === 0) stale = true;
}

export function forgetSecret(value: string | undefined): void {
  if (!value) return;
  const n = counts.get(value);
  if (n === undefined) return;
  if (n > 1) counts.set(value, n - 1);
  else {
    counts.delete(value);
    stale = true;
  }
}

/** `text` with every remembered secret masked. */
export function redactKnownSecrets(text: string): string {
  // Remembering and forgetting run on every request with a key; the ordered list is only needed here.
  if (stale) rebuild();
  let out = text;
  for (const [v, m] of ordered) if (out.includes(v)) out = out.split(v).join(m);
  return out;
}
