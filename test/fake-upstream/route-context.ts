/**
 * What a dialect route gets from the server, and the scenario steps both dialects share: the delay
 * before headers, the reset, the error status and the malformed body.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { AnswerUsage } from './answer.js';
import type { Exchange } from './exchange.js';
import type { Scenario } from './scenario.js';

export interface RouteContext {
  ex: Exchange;
  raw: string;
  /** Per-server sequence number of this request, for ids. */
  seq: number;
  /** The scenario queued with setNext(), consumed by this call. */
  takeNext(): Scenario | undefined;
  /** Whether the benchmark fast path is enabled. */
  fast: boolean;
  /** Cached pre-rendered buffers for the fast path, keyed by dialect, model and stream options. */
  fastCache: Map<string, Buffer[]>;
  /** Picks a fault for a request that carries no directive and no queued scenario (the chaos suite). */
  chaos?: ChaosPicker;
}

export type ChaosPicker = (req: {
  dialect: 'openai' | 'anthropic';
  stream: boolean;
  seq: number;
}) => Scenario;

/** The scenario of one request: its directives and queued scenario, else the chaos picker's fault. */
export function scenarioFor(
  ctx: RouteContext,
  dialect: 'openai' | 'anthropic',
  stream: boolean,
  fromDirectives: Scenario,
): Scenario {
  const sc = { ...fromDirectives, ...ctx.takeNext() };
  if (ctx.chaos === undefined || Object.keys(sc).length > 0) return sc;
  return ctx.chaos({ dialect, stream, seq: ctx.seq });
}

/** Records the usage a well-formed answer reports, so a test can price what the upstream billed. */
export function recordUsage(ex: Exchange, model: string, sc: Scenario, u: AnswerUsage): void {
  if (sc.badJson) return;
  ex.rec.usage = {
    model,
    input: u.input,
    cached: u.cached,
    cacheWrite5m: u.cacheWrite5m,
    cacheWrite1h: u.cacheWrite1h,
    output: u.output,
    reasoning: u.reasoning,
  };
}

export interface DialectErrors {
  body(status: number, message?: string): string;
  headers: OutgoingHttpHeaders;
}

/** Runs delay, reset, status and bad_json; returns true when the response has been dealt with. */
export async function applyScenarioPreamble(
  ex: Exchange,
  sc: Scenario,
  errors: DialectErrors,
  stream: boolean,
): Promise<boolean> {
  if (sc.delay !== undefined && sc.delay > 0 && !(await ex.wait(sc.delay))) return true;
  if (ex.closed) return true;
  if (sc.reset) {
    ex.destroySocket(false);
    return true;
  }
  if (sc.status !== undefined && sc.status !== 200) {
    const headers: OutgoingHttpHeaders = { ...errors.headers };
    if (sc.status === 429 || sc.status === 503 || sc.status === 529)
      headers['retry-after'] = String(sc.retryAfter ?? 1);
    ex.send(sc.status, errors.body(sc.status), headers);
    return true;
  }
  if (sc.badJson) {
    if (stream) {
      await ex.stream(
        [{ data: 'data: {"id": "fake-bad", "choices": [{\n\n', content: true }],
        { 'content-type': 'text/event-stream; charset=utf-8' },
        {},
      );
    } else {
      ex.send(200, '{"id": "fake-bad", "object": "chat.completion", "choices": [{"index": 0,', {
        'content-type': 'application/json',
      });
    }
    return true;
  }
  return false;
}

/** Parses a JSON request body; undefined when it is not a JSON object. */
export function parseBody(raw: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
