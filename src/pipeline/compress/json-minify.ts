/**
 * Minifies JSON embedded in prompt text. Only a span that parses as JSON is touched, and it is minified by
 * deleting whitespace outside strings rather than by parse + stringify, so numbers ("1.0", 2^60), key order
 * and duplicate keys reach the model exactly as written. Spans must start with `{`, or be an array holding a
 * string, so that "[1]" citations and "- [ ]" checkboxes are never candidates.
 */

/** End index (exclusive) of the bracketed span starting at `start`, string-aware; -1 when unbalanced. */
function matchBracket(text: string, start: number, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length && i - start < limit; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) depth++;
    else if (ch === 125 || ch === 93) {
      depth--;
      if (depth === 0) return i + 1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

/** Deletes whitespace outside strings. */
export function stripJsonWhitespace(json: string): string {
  let out = '';
  let inString = false;
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const ch = json.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 32 || ch === 9 || ch === 10 || ch === 13) {
      out += json.slice(from, i);
      from = i + 1;
    }
  }
  return out + json.slice(from);
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

export interface JsonMinifyOptions {
  /** Longest span considered (characters). Default 200k. */
  maxSpan?: number;
}

/** Minifies every JSON object/array found in the text; the same string when none was found. */
export function minifyEmbeddedJson(text: string, opts: JsonMinifyOptions = {}): string {
  if (!text.includes('{') && !text.includes('[')) return text;
  const limit = opts.maxSpan ?? 200_000;
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch !== 123 && ch !== 91) {
      i++;
      continue;
    }
    const end = matchBracket(text, i, limit);
    if (end < 0) {
      i++;
      continue;
    }
    const span = text.slice(i, end);
    if ((ch === 123 || span.includes('"')) && /\s/.test(span) && parses(span)) {
      const min = stripJsonWhitespace(span);
      if (min.length < span.length) {
        out += text.slice(from, i) + min;
        from = end;
      }
      i = end;
      continue;
    }
    i++;
  }
  return from === 0 ? text : out + text.slice(from);
}
