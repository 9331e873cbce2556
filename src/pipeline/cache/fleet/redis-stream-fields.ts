/** A stream log op as the fields of one Redis stream entry (`t` and the op's own), and back. */
import type { StreamOp } from './flight-board.js';

export function fieldsOf(op: StreamOp): string[] {
  switch (op.t) {
    case 'start':
      return ['t', 'start', 'd', op.dialect, 'u', op.usage === null ? '' : op.usage ? '1' : '0'];
    case 'write':
      return ['t', 'write', 'c', op.chunk];
    default:
      return ['t', op.t];
  }
}

/** The op of an entry's fields; null for an entry this version does not know. */
export function opOf(fields: string[]): StreamOp | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  switch (f.t) {
    case 'start':
      return { t: 'start', dialect: f.d ?? '', usage: f.u === '1' ? true : f.u === '0' ? false : null };
    case 'write':
      return { t: 'write', chunk: f.c ?? '' };
    case 'end':
      return { t: 'end' };
    case 'finished':
      return { t: 'finished' };
    default:
      return null;
  }
}
