/**
 * Client-supplied strings kept by Penny (ledger fields, metric labels, log fields) are bounded here: cut to
 * a number of characters without splitting a surrogate pair, so what is stored is always well-formed.
 */
export function boundText(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // never keep half of a pair
  return s.slice(0, end);
}

/** The longest model name, feature, user … a ledger entry keeps. */
export const MAX_STORED_TEXT = 256;

/**
 * A header value as text. Node hands header bytes over as latin1 (one character per byte), so a client
 * sending `x-penny-feature: café` in UTF-8 arrives as "cafÃ©"; when the bytes are valid UTF-8 they are
 * decoded as such, otherwise the value is kept as it came.
 */
export function headerText(v: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test is for bytes beyond ASCII
  if (!/[\u0080-\u00ff]/.test(v) || /[^\u0000-\u00ff]/.test(v)) return v;
  const decoded = Buffer.from(v, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? v : decoded;
}
