/**
 * Runs a feature's compression policy over one request: history windowing first (it decides which turns
 * exist), then context trimming, then the lossless transforms (repeated blocks, embedded JSON, whitespace).
 * Tokens are counted on the whole request after every transform that changed something, so the saving of
 * each one is exact for OpenAI models (and a labelled estimate for others) and the savings add up to the
 * total. The request as sent is counted only once a transform changed it: a request no transform touched
 * (the common case of a clean prompt) costs no tokenizer pass, and its report carries no counts. Any transform that cannot apply safely leaves the request as it was and says why in `events`.
 */
import type { CanonicalRequest, ContentPart, Message, TextPart } from '../../core/request.js';
import { countRequestTokens, countText } from '../../tokens/index.js';
import type { RequestContext } from '../context.js';
import { LocalEmbedder } from '../cache/semantic/local-embedder.js';
import { dot } from '../cache/semantic/embedder.js';
import { bm25Scores } from './bm25.js';
import type { CompressFeatureConfig } from './config.js';
import { type ChunkedText, detectChunks, rebuild, selectChunks } from './context-trim.js';
import { dedupeBlocks, newDedupeState } from './dedupe-blocks.js';
import { planWindow } from './history-window.js';
import { minifyEmbeddedJson } from './json-minify.js';
import { mapRequestText } from './map-text.js';
import type { Summarize } from './summarize.js';
import { normalizeWhitespace } from './whitespace.js';

export const TRANSFORMS = ['history', 'context', 'dedupe', 'json', 'whitespace'] as const;
export type Transform = (typeof TRANSFORMS)[number];

export interface CompressReport {
  request: CanonicalRequest;
  /** Tokens of the request before and after; null when no transform changed it (nothing was counted). */
  tokensBefore: number | null;
  tokensAfter: number | null;
  /** Tokens saved by each transform that changed the request. */
  saved: Partial<Record<Transform, number>>;
  /** False when the counts are estimates (not an OpenAI tokenizer). */
  exact: boolean;
  /** Why a transform did not apply ("history_over_budget", "summary_failed" …). */
  events: string[];
  history?: { droppedMessages: number; summary?: 'new' | 'cached'; summaryCost?: bigint | null };
  context?: { kept: number; total: number };
}

export interface CompressOptions {
  /** Model whose tokenizer counts the tokens. */
  model: string;
  summarize?: Summarize;
  /** Needed by `summarize` (the summary call runs in the request's context). */
  ctx?: RequestContext;
}

let embedder: LocalEmbedder | undefined;

function textOf(parts: readonly ContentPart[]): string {
  let s = '';
  for (const p of parts) {
    if (p.type === 'text') s += p.text;
    else if (p.type === 'tool_call') s += p.name + p.arguments;
    else if (p.type === 'tool_result') s += typeof p.content === 'string' ? p.content : textOf(p.content);
    else if (p.type === 'reasoning') s += p.text;
  }
  return s;
}

/**
 * The policy applied to one request. Synchronous (no promise, no microtask turn) unless the policy windows
 * the history, whose summary is a model call: every request of a feature with compression passes here.
 */
export function compressRequest(
  req: CanonicalRequest,
  policy: CompressFeatureConfig,
  opts: CompressOptions,
): CompressReport | Promise<CompressReport> {
  const report: CompressReport = {
    request: req,
    tokensBefore: null,
    tokensAfter: null,
    saved: {},
    exact: true,
    events: [],
  };
  if (!policy.history) return applyRest(report, req, policy, opts);
  return windowed(report, policy.history, opts).then((next) => {
    step(report, req, opts.model, 'history', next);
    return applyRest(report, req, policy, opts);
  });
}

/** Takes a transform's result into the report if it changed the request and saves tokens. */
function step(
  report: CompressReport,
  req: CanonicalRequest,
  model: string,
  name: Transform,
  next: CanonicalRequest,
): void {
  if (next === report.request) return;
  if (report.tokensAfter === null) {
    // The first change: count the request as it came, once.
    const first = countRequestTokens(req, model);
    report.tokensBefore = first.tokens;
    report.tokensAfter = first.tokens;
    report.exact = first.exact;
  }
  const t = countRequestTokens(next, model).tokens;
  // A transform that does not pay (e.g. a summary longer than what it replaces) is not applied.
  if (t >= report.tokensAfter) {
    report.events.push(`${name}_no_gain`);
    return;
  }
  report.saved[name] = report.tokensAfter - t;
  report.tokensAfter = t;
  report.request = next;
}

/** The transforms after the history window: context trimming, then the lossless ones. */
function applyRest(
  report: CompressReport,
  req: CanonicalRequest,
  policy: CompressFeatureConfig,
  opts: CompressOptions,
): CompressReport {
  const model = opts.model;
  if (policy.context) step(report, req, model, 'context', trimContext(report, policy.context, model));
  if (policy.dedupe !== false) {
    const state = newDedupeState(policy.dedupe === true ? 80 : policy.dedupe.minChars);
    step(
      report,
      req,
      model,
      'dedupe',
      mapRequestText(report.request, (t) => {
        const r = dedupeBlocks(t, state);
        return r.trim() === '' ? t : r;
      }),
    );
  }
  if (policy.json) step(report, req, model, 'json', mapRequestText(report.request, jsonTransform));
  if (policy.whitespace)
    step(report, req, model, 'whitespace', mapRequestText(report.request, whitespaceTransform));
  return report;
}

const jsonTransform = (t: string) => minifyEmbeddedJson(t);
const whitespaceTransform = (t: string) => {
  const r = normalizeWhitespace(t);
  return r === '' ? t : r;
};

async function windowed(
  report: CompressReport,
  policy: NonNullable<CompressFeatureConfig['history']>,
  opts: CompressOptions,
): Promise<CanonicalRequest> {
  const req = report.request;
  const count = (s: string) => countText(s, opts.model).tokens;
  const systemTokens = req.system.length ? count(req.system.map((p) => p.text).join('')) + 4 : 0;
  const messageTokens = req.messages.map((m) => count(textOf(m.content)) + 4);
  const reserve = policy.summarize && opts.summarize ? policy.summarize.maxTokens : 0;
  const plan = planWindow(req, messageTokens, systemTokens, policy.maxTokens, reserve);
  if (plan.overBudget) {
    report.events.push('history_over_budget');
    return req;
  }
  if (plan.start === 0) return req;
  const dropped = req.messages.slice(0, plan.start);
  let kept: Message[] = req.messages.slice(plan.start);
  report.history = { droppedMessages: dropped.length };
  if (policy.summarize && opts.summarize && opts.ctx) {
    try {
      const s = await opts.summarize(opts.ctx, dropped, policy.summarize);
      report.history.summary = s.cached ? 'cached' : 'new';
      report.history.summaryCost = s.cost;
      kept = [withSummary(kept[0]!, s.text), ...kept.slice(1)];
    } catch {
      report.events.push('summary_failed');
    }
  }
  return { ...req, messages: kept };
}

/** The first kept user turn, opened by the summary of what came before it. */
function withSummary(m: Message, summary: string): Message {
  const note = `[Summary of the earlier conversation: ${summary}]\n\n`;
  const i = m.content.findIndex((p) => p.type === 'text');
  const content = m.content.slice();
  if (i >= 0) {
    const p = content[i] as TextPart;
    content[i] = { ...p, text: note + p.text };
  } else content.unshift({ type: 'text', text: note.trim() });
  return { ...m, content };
}

function trimContext(
  report: CompressReport,
  policy: NonNullable<CompressFeatureConfig['context']>,
  model: string,
): CanonicalRequest {
  const req = report.request;
  const lastIdx = req.messages.length - 1;
  const last = req.messages[lastIdx];
  const userText = last?.role === 'user' ? textOf(last.content.filter((p) => p.type === 'text')) : '';
  const found = (chunked: ChunkedText, inSystem: boolean) => {
    const question = inSystem ? userText.trim() : chunked.post.trim() || chunked.pre.trim();
    if (question === '') {
      report.events.push('context_no_question');
      return null;
    }
    const scores =
      policy.method === 'embedding'
        ? (() => {
            embedder ??= new LocalEmbedder();
            const q = embedder.embedOne(question);
            return chunked.chunks.map((c) => dot(q, embedder!.embedOne(c)));
          })()
        : bm25Scores(question, chunked.chunks);
    const tokens = chunked.chunks.map((c) => countText(c, model).tokens);
    const kept = selectChunks(scores, tokens, policy.maxTokens);
    if (kept.length === chunked.chunks.length) return null;
    report.context = { kept: kept.length, total: chunked.chunks.length };
    return rebuild(chunked, kept);
  };
  if (last?.role === 'user') {
    for (let i = 0; i < last.content.length; i++) {
      const p = last.content[i]!;
      if (p.type !== 'text') continue;
      const chunked = detectChunks(p.text, policy.minChunks);
      if (!chunked) continue;
      const text = found(chunked, false);
      if (text === null) return req;
      const content = last.content.slice();
      content[i] = { ...p, text };
      const messages = req.messages.slice();
      messages[lastIdx] = { ...last, content };
      return { ...req, messages };
    }
  }
  for (let i = 0; i < req.system.length; i++) {
    const p = req.system[i]!;
    const chunked = detectChunks(p.text, policy.minChunks);
    if (!chunked) continue;
    const text = found(chunked, true);
    if (text === null) return req;
    const system = req.system.slice();
    system[i] = { ...p, text };
    return { ...req, system };
  }
  return req;
}
