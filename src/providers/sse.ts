/**
 * Incremental server-sent-events parser over raw bytes. Chunks may split events, lines and even UTF-8
 * characters anywhere; events are emitted only when complete (blank line). Works on Buffers so the hot
 * path never goes through WHATWG streams.
 */
import { StringDecoder } from 'node:string_decoder';
import type { SseEvent } from './dialect.js';

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private event: string | undefined;
  private data: string[] = [];

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Buffer | string): SseEvent[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buf.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.buf.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line(line, out);
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  /** True between events: no partial line and no event begun (a chunk that ends so can be forwarded as is). */
  get idle(): boolean {
    return this.buf === '' && this.data.length === 0 && this.event === undefined;
  }

  /** Flushes a final event that was not followed by a blank line. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    const rest = this.buf + this.decoder.end();
    this.buf = '';
    if (rest) for (const l of rest.split(/\r?\n/)) this.line(l, out);
    this.dispatch(out);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length === 0 && this.event === undefined) return;
    const ev: SseEvent = { data: this.data.join('\n') };
    if (this.event !== undefined) ev.event = this.event;
    out.push(ev);
    this.data = [];
    this.event = undefined;
  }
}

/** Formats one SSE event. */
export function sse(data: string, event?: string): string {
  return event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`;
}

const LF = 0x0a;
const CR = 0x0d;
const DATA_FIELD = Buffer.from('data:');

/**
 * Where a one-line `data:` event (no `event:` field) sits in `chunk`, a chunk of whole events, searching from
 * byte `from`: the range of its line and the blank line after it, so the bytes around it can be forwarded as
 * they are. Null when it is not there in exactly that form (multi-line data, another field, CRLF mixed
 * in, not found …): the caller then re-formats the events instead.
 */
export function eventRange(chunk: Buffer, ev: SseEvent, from: number): [number, number] | null {
  // A leading space would be ambiguous with the one after `data:`; an empty event is not worth the search.
  if (ev.event !== undefined || ev.data === '' || ev.data.charCodeAt(0) === 0x20 || ev.data.includes('\n'))
    return null;
  const data = Buffer.from(ev.data, 'utf8');
  for (let at = chunk.indexOf(data, from); at >= 0; at = chunk.indexOf(data, at + 1)) {
    // `data:` or `data: ` right before, opening the event: at the start of the chunk or after a blank line
    // (so no other field of the same event — `id:`, a comment — is left behind).
    const start = at - DATA_FIELD.length - (chunk[at - 1] === 0x20 ? 1 : 0);
    if (start < from || !chunk.subarray(start, start + DATA_FIELD.length).equals(DATA_FIELD)) continue;
    if (start > 0 && !afterBlankLine(chunk, start)) continue;
    // Line end, then a blank line: `\n\n` or `\r\n\r\n`.
    const end = at + data.length;
    if (chunk[end] === LF && chunk[end + 1] === LF) return [start, end + 2];
    if (chunk[end] === CR && chunk[end + 1] === LF && chunk[end + 2] === CR && chunk[end + 3] === LF)
      return [start, end + 4];
  }
  return null;
}

function afterBlankLine(chunk: Buffer, at: number): boolean {
  return chunk[at - 1] === LF && (chunk[at - 2] === LF || (chunk[at - 2] === CR && chunk[at - 3] === LF));
}
