/**
 * Puts `previous_response_id` back into an answer that an OpenAI upstream produced without it (Penny sent
 * the expanded history instead of the id), so the client sees the id it continued, as OpenAI would echo it.
 * JSON bodies are re-serialised; stream events are patched in place (a null split across two writes is
 * left as it is — cosmetic, the stored and priced answer is unaffected).
 */
import type { ResponseSink } from '../pipeline/context.js';

const NULL_PREVIOUS = /"previous_response_id":\s*null/g;

export class EchoPreviousSink implements ResponseSink {
  private readonly replacement: string;

  constructor(
    private readonly inner: ResponseSink,
    previousId: string,
  ) {
    this.replacement = `"previous_response_id":${JSON.stringify(previousId)}`;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  json(status: number, headers: Record<string, string>, body: string | Buffer): void {
    const text = body.toString();
    this.inner.json(status, headers, status === 200 ? text.replace(NULL_PREVIOUS, this.replacement) : body);
  }

  startStream(status: number, headers: Record<string, string>): void {
    this.inner.startStream(status, headers);
  }

  write(chunk: string | Buffer): void {
    this.inner.write(typeof chunk === 'string' ? chunk.replace(NULL_PREVIOUS, this.replacement) : chunk);
  }

  end(): void {
    this.inner.end();
  }

  full(onDrain: () => void): boolean {
    return this.inner.full?.(onDrain) ?? false;
  }
}
