/**
 * A ResponseSink that passes everything through to the client's sink and keeps a copy of the final
 * Responses API object: the JSON body of a non-streamed 200, or the `response` of the stream's
 * `response.completed` / `response.incomplete` event. Bounded: past `maxBytes` nothing is kept.
 */
import type { ResponseSink } from '../pipeline/context.js';
import { SseParser } from '../providers/sse.js';

export class CaptureSink implements ResponseSink {
  private parser: SseParser | null = null;
  private bytes = 0;
  private overflow = false;
  /** The final response object, once seen. */
  captured: Record<string, unknown> | null = null;

  constructor(
    private readonly inner: ResponseSink,
    private readonly maxBytes: number,
    private readonly onDone: (response: Record<string, unknown> | null) => void,
  ) {}

  get closed(): boolean {
    return this.inner.closed;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    this.inner.json(status, headers, body);
    if (status === 200 && body.length <= this.maxBytes) this.captured = parseObject(body.toString());
    this.onDone(this.captured);
  }

  startStream(status: number, headers: Record<string, string>): void {
    if (status === 200) this.parser = new SseParser();
    this.inner.startStream(status, headers);
  }

  write(chunk: string | Buffer): void {
    this.inner.write(chunk);
    if (this.parser === null || this.overflow) return;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.overflow = true;
      this.parser = null;
      return;
    }
    for (const ev of this.parser.push(chunk)) {
      if (ev.event !== 'response.completed' && ev.event !== 'response.incomplete') continue;
      const d = parseObject(ev.data);
      const r = d?.response;
      if (typeof r === 'object' && r !== null && !Array.isArray(r))
        this.captured = r as Record<string, unknown>;
    }
  }

  end(): void {
    this.inner.end();
    this.onDone(this.captured);
  }

  full(onDrain: () => void): boolean {
    return this.inner.full?.(onDrain) ?? false;
  }
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
