/**
 * The micro-batch collector: requests of one group (eligibility.ts) that arrive within `maxWaitMs` wait
 * together; the group goes out as one upstream call when it is full (`maxItems`, `maxPromptTokens`) or its
 * first item has waited `maxWaitMs`. The call is made once, for the group, on a context of its own (no
 * client's disconnect cancels the others' call); its answer is split back per item id. What each item gets:
 *   answered — its own answer, its token share of the call's usage, and the facts settle prices;
 *   retry    — the call failed, or its answer for this item did not parse, missed or repeated the id, or
 *              failed the feature's cascade checks: the item is sent again on its own (and still pays its
 *              share of the call it was part of);
 *   alone    — nobody joined it in time (or the call could not be made, or its circuit is open): it goes on
 *              as if never batched;
 *   refused  — its budget cannot hold its part of the call (the same 429 as chat).
 * The shared call goes through the same checks as any upstream call: each item's budget reserves the item's
 * worst case before the call (its CallGuard, as for a call of its own) and settles to its share after; the
 * call goes through the gateway's upstreams, so the target's circuit breaker refuses it while open and
 * learns from its outcome.
 */
import { randomBytes } from 'node:crypto';
import type { CanonicalRequest } from '../../core/request.js';
import { asPennyError, type PennyError } from '../../core/errors.js';
import { choiceText } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { Logger } from '../../observability/logger.js';
import type { Check } from '../../pipeline/cascade/checks.js';
import {
  type CallTicket,
  type RequestContext,
  type ResponseSink,
  createContext,
} from '../../pipeline/context.js';
import { executeAttempt } from '../../pipeline/execute/attempt.js';
import type { BatchShare } from '../../pipeline/settle/facts.js';
import type { TargetResolver } from '../../providers/resolve-target.js';
import type { Upstreams } from '../../providers/upstream.js';
import { countText } from '../../tokens/count-text.js';
import {
  BATCH_INSTRUCTION,
  type BatchItem,
  combineRequest,
  combinedMaxTokens,
  itemJson,
  readAnswers,
} from './combine.js';
import type { BatchFeatureConfig } from './config.js';
import { groupKey, itemText } from './eligibility.js';
import { splitUsage } from './split-usage.js';

export type ItemResult =
  | { kind: 'alone'; reason: string }
  | { kind: 'refused'; error: PennyError }
  | {
      kind: 'answered';
      share: BatchShare;
      usage: Usage;
      text: string;
      provider: string;
      servedModel: string;
      size: number;
      waitedMs: number;
      finishRaw: string | null;
    }
  | { kind: 'retry'; share: BatchShare; reason: string; size: number; waitedMs: number };

interface Pending {
  ctx: RequestContext;
  item: BatchItem;
  tokens: number;
  joinedAt: number;
  resolve: (r: ItemResult) => void;
}

interface Group {
  key: string;
  policy: BatchFeatureConfig;
  items: Pending[];
  tokens: number;
  timer: NodeJS.Timeout | null;
}

export interface CollectorDeps {
  resolver: TargetResolver;
  upstreams: () => Upstreams;
  logger: Logger;
  /** The feature's answer checks (its cascade's), run on each item's answer. */
  checksFor: (ctx: RequestContext) => readonly Check[];
}

const NULL_SINK: ResponseSink = { closed: false, json() {}, startStream() {}, write() {}, end() {} };

export class BatchCollector {
  private readonly groups = new Map<string, Group>();
  private readonly calls = new Set<Promise<void>>();
  /** Upstream calls made, and items they carried (bench, tests). */
  readonly stats = { calls: 0, items: 0, retried: 0, alone: 0 };

  constructor(private readonly deps: CollectorDeps) {}

  /** Adds the request to its group; resolves with what the item gets once the group's call is over. */
  join(ctx: RequestContext, policy: BatchFeatureConfig): Promise<ItemResult> {
    const key = groupKey(ctx, policy);
    const text = itemText(ctx.request);
    return new Promise((resolve) => {
      let g = this.groups.get(key);
      const pendingTokens = countText(text, ctx.request.model).tokens + 8;
      if (g && (g.items.length >= policy.maxItems || g.tokens + pendingTokens > policy.maxPromptTokens)) {
        this.flush(g);
        g = undefined;
      }
      if (!g) {
        g = { key, policy, items: [], tokens: fixedTokens(ctx.request), timer: null };
        this.groups.set(key, g);
        const group = g;
        g.timer = setTimeout(() => this.flush(group), policy.maxWaitMs);
        g.timer.unref?.();
      }
      g.items.push({
        ctx,
        item: { id: String(g.items.length + 1), text },
        tokens: pendingTokens,
        joinedAt: Date.now(),
        resolve,
      });
      g.tokens += pendingTokens;
      if (g.items.length >= policy.maxItems) this.flush(g);
    });
  }

  /** Sends every waiting group now and waits for the calls in flight (gateway close). */
  async close(): Promise<void> {
    for (const g of [...this.groups.values()]) this.flush(g);
    while (this.calls.size) await Promise.allSettled([...this.calls]);
  }

  private flush(g: Group): void {
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
    if (g.timer) clearTimeout(g.timer);
    g.timer = null;
    const live = g.items.filter((p) => {
      if (!p.ctx.signal.aborted) return true;
      p.resolve({ kind: 'alone', reason: 'client_gone' });
      return false;
    });
    if (live.length === 0) return;
    if (live.length === 1) {
      this.stats.alone++;
      live[0]!.resolve({ kind: 'alone', reason: 'no_peers' });
      return;
    }
    const p = this.call(live).catch((e) => {
      this.deps.logger.error('micro-batch call failed', { error: e });
      for (const x of live) x.resolve({ kind: 'alone', reason: 'batch_failed' });
    });
    this.calls.add(p);
    void p.finally(() => this.calls.delete(p));
  }

  private async call(group: Pending[]): Promise<void> {
    const model = group[0]!.ctx.request.model;
    let target: ReturnType<TargetResolver['resolve']>;
    try {
      target = this.deps.resolver.resolve(model);
    } catch {
      for (const x of group) x.resolve({ kind: 'alone', reason: 'unresolved_model' });
      return;
    }
    if (!target.provider.apiKey) {
      // Pass-through keys: each client's own key pays for its own call.
      for (const x of group) x.resolve({ kind: 'alone', reason: 'client_key' });
      return;
    }
    // Each item's budget reserves the item's worst case, as a call of its own would; a refused item leaves.
    const items: Pending[] = [];
    const tickets: Array<CallTicket | null> = [];
    for (const x of group) {
      try {
        const t = x.ctx.callGuard ? await x.ctx.callGuard.begin(x.ctx, target) : null;
        items.push(x);
        tickets.push(t);
      } catch (e) {
        x.resolve({ kind: 'refused', error: asPennyError(e) });
      }
    }
    if (items.length < 2) {
      tickets[0]?.end(null);
      if (items[0]) {
        this.stats.alone++;
        items[0].resolve({ kind: 'alone', reason: 'no_peers' });
      }
      return;
    }
    // Ids are the items' positions in this call.
    items.forEach((p, i) => {
      p.item = { id: String(i + 1), text: p.item.text };
    });
    const first = items[0]!.ctx;
    const callId = `batch_${randomBytes(9).toString('base64url')}`;
    const request = combineRequest(
      first.request,
      items.map((x) => x.item),
    );
    const maxTokens = combinedMaxTokens(items.map((x) => x.ctx.request.maxTokens));
    if (maxTokens !== undefined) request.maxTokens = maxTokens;
    const {
      streamObserver: _o,
      slots: _s,
      money: _m,
      headers: _h,
      flags: _f,
      callGuard: _g,
      ...parent
    } = first;
    const child = createContext({
      ...parent,
      id: callId,
      request,
      original: request,
      clientKey: undefined,
      signal: new AbortController().signal,
      sink: NULL_SINK,
    });
    this.stats.calls++;
    this.stats.items += items.length;
    const flushedAt = Date.now();
    let outcome: Awaited<ReturnType<typeof executeAttempt>>;
    try {
      outcome = await executeAttempt(child, target, {
        upstreams: this.deps.upstreams(),
        logger: this.deps.logger,
      });
    } catch (e) {
      for (const t of tickets) t?.end(null);
      throw e;
    }
    if (outcome.error?.code === 'circuit_open') {
      // Nothing was sent: each item goes its usual way (fallbacks, or the same 503 as a call of its own).
      for (const t of tickets) t?.end(null);
      this.stats.calls--;
      this.stats.items -= items.length;
      for (const x of items) x.resolve({ kind: 'alone', reason: 'circuit_open' });
      return;
    }
    const provider = target.provider.name;
    const servedModel = outcome.servedModel ?? target.model;
    const call = { model: servedModel, provider, usage: outcome.usage };
    const answerText =
      outcome.status === 'ok' && outcome.response?.choices[0] ? choiceText(outcome.response.choices[0]) : '';
    const read = readAnswers(
      answerText,
      items.map((x) => x.item.id),
    );
    if (outcome.status !== 'ok') for (const x of items) read.failed.set(x.item.id, 'unparseable');
    // Token share: each item's JSON in the prompt plus its answer.
    const answerTokens = items.map((x) => {
      const a = read.answers.get(x.item.id);
      return a === undefined ? 0 : countText(a, model).tokens;
    });
    const weights = items.map((x, i) => countText(itemJson(x.item), model).tokens + answerTokens[i]!);
    const usages = outcome.usage ? splitUsage(outcome.usage, weights, answerTokens) : null;
    // Each budget settles to its item's share of what the call cost.
    for (const [i, t] of tickets.entries()) t?.end({ ...outcome, usage: usages?.[i] ?? null });
    const sysTokens = fixedTokens(first.request) - instructionTokens(model);
    const promptTokens = fixedTokens(first.request) + items.reduce((s, x) => s + x.tokens, 0);
    const finishRaw = outcome.response?.choices[0]?.finish.raw ?? null;
    items.forEach((x, i) => {
      const waitedMs = flushedAt - x.joinedAt;
      const own = usages?.[i];
      // The item alone: the system prompt and its own text (scaled to the provider's count), its answer.
      const inputTotal = outcome.usage
        ? outcome.usage.inputUncached +
          outcome.usage.cacheRead +
          outcome.usage.cacheWrite5m +
          outcome.usage.cacheWrite1h
        : 0;
      const aloneInput = Math.max(
        1,
        Math.round((inputTotal * (sysTokens + x.tokens)) / Math.max(1, promptTokens)),
      );
      const alone: Usage = {
        inputUncached: aloneInput,
        cacheRead: 0,
        cacheWrite5m: 0,
        cacheWrite1h: 0,
        outputText: own ? own.outputText + own.reasoning : 0,
        reasoning: 0,
        estimated: true,
      };
      const share: BatchShare = { callId, call, weights, index: i, alone, retried: false };
      const failed = read.failed.get(x.item.id);
      const text = read.answers.get(x.item.id);
      if (failed || text === undefined || !own) {
        this.stats.retried++;
        x.resolve({
          kind: 'retry',
          share: { ...share, retried: true },
          reason: outcome.status !== 'ok' ? 'batch_call_failed' : (failed ?? 'missing'),
          size: items.length,
          waitedMs,
        });
        return;
      }
      const bad = this.deps.checksFor(x.ctx).find((c) => !c.run({ text }).passed);
      if (bad) {
        this.stats.retried++;
        x.resolve({
          kind: 'retry',
          share: { ...share, retried: true },
          reason: `check:${bad.name}`,
          size: items.length,
          waitedMs,
        });
        return;
      }
      x.resolve({
        kind: 'answered',
        share,
        usage: own,
        text,
        provider,
        servedModel,
        size: items.length,
        waitedMs,
        finishRaw,
      });
    });
  }
}

/** Tokens every call of the group carries once: the system prompt and the batch instruction. */
function fixedTokens(req: CanonicalRequest): number {
  const sys = req.system.map((p) => p.text).join('\n');
  return countText(sys, req.model).tokens + instructionTokens(req.model);
}

const instructionCounts = new Map<string, number>();
function instructionTokens(model: string): number {
  let n = instructionCounts.get(model);
  if (n === undefined) {
    n = countText(BATCH_INSTRUCTION, model).tokens + 8;
    instructionCounts.set(model, n);
  }
  return n;
}
