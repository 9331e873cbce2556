/**
 * RFC 4180 CSV records: fields separated by commas, optionally quoted, `""` inside quotes is a quote, and
 * a quoted field may span lines. The reader feeds physical lines; `isCompleteRecord` says when the quotes
 * balance so a record that spans lines is joined before it is split.
 */

/** True when the text has an even number of quote characters (no quoted field left open). */
export function isCompleteRecord(text: string): boolean {
  let n = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    n++;
    i = text.indexOf('"', i + 1);
  }
  return n % 2 === 0;
}

/** Splits one complete record into fields; throws on a quote in the middle of an unquoted field. */
export function parseCsvRecord(text: string): string[] {
  if (text.endsWith('\r')) text = text.slice(0, -1);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new SyntaxError('unterminated quoted field');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== ',')
        throw new SyntaxError(`unexpected character after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const c = text.indexOf(',', i);
      const value = c === -1 ? text.slice(i) : text.slice(i, c);
      if (value.includes('"')) throw new SyntaxError('quote inside an unquoted field');
      fields.push(value);
      if (c === -1) return fields;
      i = c + 1;
    }
  }
}
