/**
 * A dialect is a wire format (OpenAI Chat Completions, Anthropic Messages). Its codec converts between
 * the wire and the canonical shapes in both directions, because the same dialect is spoken by clients
 * (parse request, render response) and by upstreams (render request, parse response). Codecs are pure:
 * no I/O, no clock.
 */
import type { PennyError, ProviderError, WireError } from '../core/errors.js';
import type { CanonicalRequest, Dialect } from '../core/request.js';
import type { CanonicalResponse, StreamEvent } from '../core/response.js';
import type { Usage } from '../core/usage.js';

/** One server-sent event as received: `event:` name (if any) and the joined `data:` text. */
export interface SseEvent {
  event?: string;
  data: string;
}

export interface RenderRequestOptions {
  /** Model id to send upstream (may differ from the client's after routing). */
  model: string;
  /** Ask the upstream to report usage in streams even if the client did not ask (OpenAI include_usage). */
  forceStreamUsage: boolean;
}

/** Turns upstream SSE events into canonical stream events. Stateful: one per stream. */
export interface StreamDecoder {
  decode(ev: SseEvent): StreamEvent[];
  /**
   * Usage the provider has reported so far, even if no `usage` event was emitted yet (Anthropic sends the
   * input side in `message_start` and the output side at the end), or null. A stream that breaks early
   * keeps these counts and estimates only what is missing.
   */
  reportedUsage(): Usage | null;
}

/** Turns canonical stream events into SSE text for a client. Stateful: one per stream. */
export interface StreamEncoder {
  /** SSE text to write for this event ('' when nothing is written). */
  encode(ev: StreamEvent): string;
}

export interface DialectCodec {
  readonly name: Dialect;
  /** Parses a client's JSON body. Throws InvalidRequestError naming the field at fault. */
  parseRequest(body: unknown): CanonicalRequest;
  /** Renders a canonical request as this dialect's JSON body. */
  renderRequest(req: CanonicalRequest, opts: RenderRequestOptions): Record<string, unknown>;
  /** Parses an upstream JSON response body. Throws ProviderError('upstream_bad_response') on nonsense. */
  parseResponse(body: unknown, provider: string): CanonicalResponse;
  /** Renders a canonical response for a client of this dialect. */
  renderResponse(res: CanonicalResponse, req: CanonicalRequest): Record<string, unknown>;
  /** Maps this dialect's raw usage object to canonical usage (keeps `raw`). */
  parseUsage(raw: unknown): Usage;
  createStreamDecoder(provider: string): StreamDecoder;
  /** `req` is the client's request (e.g. whether it asked for usage chunks). */
  createStreamEncoder(req: CanonicalRequest): StreamEncoder;
  /** Maps an upstream error response to a ProviderError with the right code/status/retryable. */
  parseError(status: number, bodyText: string, provider: string): ProviderError;
  /** SSE text for an error in the middle of a stream. */
  encodeStreamError(err: PennyError): string;
  /** HTTP status and error body for a client of this dialect (each codec renders its own errors). */
  renderError(err: PennyError): WireError;
}
