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
