/**
 * Edits the top-level members of a JSON object in its bytes, without parsing it into values: the same-dialect
 * fast path forwards a client's body this way (a changed `model`, an added `stream_options`) instead of
 * parsing and rendering it again. The bytes must already be known to be valid JSON (the server parsed them
 * once); strings are skipped with `indexOf` (native) rather than byte by byte, since most of a chat body
 * is message text.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** One top-level member: its name and where its value's bytes are (end exclusive). */
export interface JsonMember {
  key: string;
  valueStart: number;
  valueEnd: number;
}

/** The top-level members of a JSON object (in order, duplicates kept), and where its closing brace is. */
export interface JsonObjectLayout {
  members: JsonMember[];
  close: number;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function skipSpace(buf: Buffer, i: number): number {
  while (i < buf.length && isSpace(buf[i]!)) i++;
  return i;
}

/** Index just past the string whose opening quote is at `i`. */
function skipString(buf: Buffer, i: number): number {
  let at = i + 1;
  for (;;) {
    const q = buf.indexOf(QUOTE, at);
    if (q < 0) throw new SyntaxError('unterminated string');
    // The quote is escaped when an odd number of backslashes precede it.
    let n = 0;
    while (buf[q - 1 - n] === BACKSLASH) n++;
    if (n % 2 === 0) return q + 1;
    at = q + 1;
  }
}

/** Index just past the value starting at `i` (a string, object, array, number or literal). */
function skipValue(buf: Buffer, i: number): number {
  const b = buf[i];
  if (b === QUOTE) return skipString(buf, i);
  if (b === OPEN_BRACE || b === OPEN_BRACKET) {
    let depth = 0;
    let at = i;
    while (at < buf.length) {
      const c = buf[at]!;
      if (c === QUOTE) {
        at = skipString(buf, at);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return at + 1;
      }
      at++;
    }
    throw new SyntaxError('unterminated object or array');
  }
  let at = i;
  while (at < buf.length) {
    const c = buf[at]!;
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    at++;
  }
  return at;
}

/** The layout of a JSON object's top level; null when the bytes are not one object. */
export function objectLayout(buf: Buffer): JsonObjectLayout | null {
  try {
    let i = skipSpace(buf, 0);
    if (buf[i] !== OPEN_BRACE) return null;
    i = skipSpace(buf, i + 1);
    const members: JsonMember[] = [];
    if (buf[i] === CLOSE_BRACE) return skipSpace(buf, i + 1) === buf.length ? { members, close: i } : null;
    for (;;) {
      if (buf[i] !== QUOTE) return null;
      const keyEnd = skipString(buf, i);
      const rawKey = buf.toString('utf8', i + 1, keyEnd - 1);
      const key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
      i = skipSpace(buf, keyEnd);
      if (buf[i] !== COLON) return null;
      const valueStart = skipSpace(buf, i + 1);
      const valueEnd = skipValue(buf, valueStart);
      if (valueEnd === valueStart) return null;
      members.push({ key, valueStart, valueEnd });
      i = skipSpace(buf, valueEnd);
      if (buf[i] === COMMA) {
        i = skipSpace(buf, i + 1);
        continue;
      }
      if (buf[i] !== CLOSE_BRACE) return null;
      return skipSpace(buf, i + 1) === buf.length ? { members, close: i } : null;
    }
  } catch {
    return null;
  }
}

/**
 * The object with the given top-level members set to new JSON values (every occurrence of a duplicated name),
 * and members not present added at the end. Every other byte is kept as it was.
 */
export function setMembers(
  buf: Buffer,
  layout: JsonObjectLayout,
  values: ReadonlyMap<string, string>,
): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  const seen = new Set<string>();
  for (const m of layout.members) {
    const v = values.get(m.key);
    if (v === undefined) continue;
    seen.add(m.key);
    parts.push(buf.subarray(at, m.valueStart), Buffer.from(v));
    at = m.valueEnd;
  }
  let added = '';
  for (const [k, v] of values) {
    if (seen.has(k)) continue;
    added += `${layout.members.length > 0 || added !== '' ? ',' : ''}${JSON.stringify(k)}:${v}`;
  }
  if (added === '') {
    if (parts.length === 0) return buf;
    parts.push(buf.subarray(at));
    return Buffer.concat(parts);
  }
  parts.push(buf.subarray(at, layout.close), Buffer.from(added), buf.subarray(layout.close));
  return Buffer.concat(parts);
}
