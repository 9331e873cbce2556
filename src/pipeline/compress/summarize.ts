/**
 * Summaries of the turns that history windowing dropped, made by a configured (cheap) model through the
 * gateway's own execution path and cached by the hash of the turns they cover — so a conversation pays for
 * each summary once. The call's cost is reported, because a summary is only a saving net of what it cost.
 */
import { createHash } from 'node:crypto';
import type { Money } from '../../core/money.js';
import type { CanonicalRequest, ContentPart, Message } from '../../core/request.js';
import { choiceText } from '../../core/response.js';
import type { Logger } from '../../observability/logger.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import type { TargetResolver } from '../../providers/resolve-target.js';
import type { Upstreams } from '../../providers/upstream.js';
import { type RequestContext, type ResponseSink, createContext } from '../context.js';
import { executeSingle } from '../execute/single.js';
import { priceCall } from '../settle/price-call.js';

export interface SummaryResult {
  text: string;
  /** What the summary call cost; 0 when it came from the cache, null when the model is unpriced. */
  cost: Money | null;
  cached: boolean;
}

/** Summarises dropped turns; throws when the summary cannot be made (the caller goes on without it). */
export type Summarize = (
  ctx: RequestContext,
  turns: readonly Message[],
  opts: { model: string; maxTokens: number },
) => Promise<SummaryResult>;

export const SUMMARY_INSTRUCTION =
  'Summarise the conversation below in a few short sentences for the assistant that continues it. Keep facts, names, numbers, decisions and open questions; drop pleasantries.';

function partText(p: ContentPart): string {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'tool_call':
      return `[called ${p.name}(${p.arguments})]`;
    case 'tool_result':
      return `[tool result: ${typeof p.content === 'string' ? p.content : p.content.map(partText).join(' ')}]`;
    case 'image':
      return '[image]';
    default:
      return '';
  }
}

/** The dropped turns as a plain transcript ("user: …"). */
export function transcript(turns: readonly Message[]): string {
  return turns.map((m) => `${m.role}: ${m.content.map(partText).filter(Boolean).join(' ')}`).join('\n');
}

export function turnsHash(turns: readonly Message[], model: string, maxTokens: number): string {
  return createHash('sha256').update(`${model}\n${maxTokens}\n`).update(JSON.stringify(turns)).digest('hex');
}

const NULL_SINK: ResponseSink = {
  closed: false,
  json() {},
  startStream() {},
  write() {},
  end() {},
};

export interface SummarizerDeps {
  resolver: TargetResolver;
  upstreams: () => Upstreams;
  catalog: PriceCatalog;
  logger: Logger;
  cacheSize: number;
}

/** A summariser that calls the model through `executeSingle`, with an LRU cache of summaries. */
export function createSummarizer(deps: SummarizerDeps): Summarize {
  const cache = new Map<string, string>();
  return async (ctx, turns, opts) => {
    const key = turnsHash(turns, opts.model, opts.maxTokens);
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return { text: hit, cost: 0n, cached: true };
    }
    const target = deps.resolver.resolve(opts.model);
    const request: CanonicalRequest = {
      dialect: ctx.clientDialect,
      model: opts.model,
      system: [{ type: 'text', text: SUMMARY_INSTRUCTION }],
      messages: [{ role: 'user', content: [{ type: 'text', text: transcript(turns) }] }],
      maxTokens: opts.maxTokens,
      stream: false,
      extra: {},
    };
    // A fresh context for the summary call: nothing of it reaches the request's slots, facts or client.
    const {
      streamObserver: _o,
      slots: _s,
      money: _m,
      perTarget: _p,
      headers: _h,
      flags: _f,
      ...parent
    } = ctx;
    const child: RequestContext = createContext({
      ...parent,
      request,
      original: request,
      clientKey: undefined,
      sink: NULL_SINK,
    });
    const outcome = await executeSingle(child, target, { upstreams: deps.upstreams(), logger: deps.logger });
    const text = outcome.response?.choices[0] ? choiceText(outcome.response.choices[0]).trim() : '';
    if (outcome.status !== 'ok' || text === '') {
      throw new Error(`summary by ${opts.model} failed: ${outcome.error?.message ?? 'empty answer'}`);
    }
    const cost = priceCall(
      { model: target.model, provider: target.provider.name, usage: outcome.usage },
      deps.catalog,
    ).cost;
    if (deps.cacheSize > 0) {
      cache.set(key, text);
      if (cache.size > deps.cacheSize) cache.delete(cache.keys().next().value as string);
    }
    return { text, cost, cached: false };
  };
}
