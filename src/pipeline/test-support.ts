/**
 * Test support: a request context for one request, as the HTTP face would hand it to the stages, with a sink
 * that discards what it is given. Stage, settle, execute and governance tests build their contexts here and
 * say only what their case is about (the request, the feature, the headers…).
 */
import type { CanonicalRequest } from '../core/request.js';
import { type ContextInit, type RequestContext, type ResponseSink, createContext } from './context.js';

/** A sink that takes everything and writes nowhere. */
export function discardingSink(): ResponseSink {
  return { closed: false, json() {}, startStream() {}, write() {}, end() {} };
}

/** An OpenAI-dialect canonical request for `gpt-4o` with no messages, with `over` applied. */
export function testRequest(over: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return { dialect: 'openai', model: 'gpt-4o', system: [], messages: [], stream: false, extra: {}, ...over };
}

/**
 * A context for `over.request` (default `testRequest()`), unchanged by any stage yet (`original` is the same
 * request unless given), with no attribution, no client key, a fresh signal and a discarding sink.
 */
export function testContext(over: Partial<ContextInit> = {}): RequestContext {
  const request = over.request ?? testRequest();
  return createContext({
    id: 'r',
    startedAt: 0,
    t0: 0n,
    clientDialect: 'openai',
    request,
    original: request,
    attribution: { feature: null, user: null, keyId: null },
    clientKey: undefined,
    signal: new AbortController().signal,
    sink: discardingSink(),
    ...over,
  });
}
