/**
 * `POST /v1/embeddings`: attributed like chat (x-penny-feature / x-penny-user / token), answered from the
 * exact cache when the feature's policy turns caching on, else forwarded to the OpenAI-format provider
 * that serves the model (OpenAI, Azure, any OpenAI-compatible server) or, with no provider configured,
 * answered with deterministic simulated vectors. One ledger entry per call, priced from `prompt_tokens`.
 */
import type { LoadedConfig } from '../config/load.js';
import { InvalidRequestError, PennyError, asPennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import { type Money, moneyToDecimal } from '../core/money.js';
import { type Usage, emptyUsage } from '../core/usage.js';
import {
  type CallStart,
  type EndpointCall,
  endpointEntry,
  endpointPath,
  startCall,
} from '../endpoints/endpoint-call.js';
import type { Logger } from '../observability/logger.js';
import { namespaceOf, readControls } from '../pipeline/cache/controls.js';
import type { Gateway } from '../pipeline/gateway.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { CODECS } from '../providers/codecs.js';
import { SIMULATED_PROVIDER, SIMULATED_UPSTREAM } from '../providers/simulated/simulated.js';
import type { EndpointReply, EndpointService } from '../endpoints/endpoint-call.js';
import { countText } from '../tokens/index.js';
import type { EndpointGuard, GuardedCall } from '../governance/endpoint-guard.js';
import { settleCall } from '../pipeline/settle/settle-call.js';
import { type CachedEmbedding, EmbeddingCache } from './embedding-cache.js';
import { type EmbeddingsBody, inputList, parseEmbeddingsBody } from './parse-request.js';
import { simulateEmbeddings } from './simulated-embeddings.js';

type Reply = EndpointReply;

export interface EmbeddingsDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  gateway: Gateway;
  /** Keys, rate limits and budgets, as for chat (absent in tests that build the service alone). */
  guard?: EndpointGuard;
}

export class EmbeddingsService implements EndpointService {
  private readonly cache: EmbeddingCache;
  private readonly inflight = new Set<Promise<Reply>>();

  constructor(private readonly deps: EmbeddingsDeps) {
    this.cache = new EmbeddingCache(deps.loaded, deps.logger);
  }

  handle(call: EndpointCall): Promise<Reply> {
    const p = this.run(call);
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async close(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    await this.cache.close();
  }

  private async run(call: EndpointCall): Promise<Reply> {
    const start = startCall(call);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-penny-request-id': start.id,
    };
    const requested =
      typeof (call.body as { model?: unknown })?.model === 'string'
        ? (call.body as { model: string }).model
        : '';
    let body: EmbeddingsBody;
    try {
      body = parseEmbeddingsBody(call.body);
    } catch (e) {
      return this.fail(start, headers, requested, asPennyError(e), null);
    }
    if (!this.deps.guard) return this.serve(call, start, headers, body, null);
    const list = inputList(body.input);
    const text = list.filter((i): i is string => typeof i === 'string').join('\n');
    const idTokens = list.reduce<number>((n, i) => n + (typeof i === 'string' ? 0 : i.length), 0);
    try {
      return await this.deps.guard.run(
        {
          ...start,
          headers: call.headers,
          signal: call.signal,
          model: body.model,
          text,
          ...(idTokens > 0
            ? { promptTokens: idTokens + (text ? countText(text, body.model).tokens : 0) }
            : {}),
          maxTokens: 0,
          stream: false,
        },
        headers,
        (g) => this.serve(call, start, headers, body, g),
      );
    } catch (e) {
      return this.fail(start, headers, body.model, asPennyError(e), null);
    }
  }

  private async serve(
    call: EndpointCall,
    start: CallStart,
    headers: Record<string, string>,
    body: EmbeddingsBody,
    g: GuardedCall | null,
  ): Promise<Reply> {
    const inputs = inputList(body.input).length;
    const meta: Record<string, unknown> = { endpoint: 'embeddings', inputs };
    const policy = this.cache.policy(start.attribution.feature);
    const controls = readControls(call.headers, this.deps.loaded.config.cache.maxTtlSeconds);
    let key: string | undefined;
    if (policy && controls.mode !== 'bypass') {
      key = EmbeddingCache.key(
        body,
        namespaceOf({ attribution: start.attribution, requestHeaders: call.headers }, controls),
      );
      if (controls.mode !== 'refresh') {
        const hit = await this.cache.get(policy.store, key);
        if (hit) return this.serveHit(start, headers, body, hit, meta, policy.store);
      }
      meta.cache = {
        status: controls.mode === 'refresh' ? 'refresh' : 'miss',
        kind: 'exact',
        store: policy.store,
      };
    }

    let answer: CachedEmbedding;
    let estimated = false;
    if (this.deps.gateway.simulated) {
      const simulated = async (): Promise<{ value: CachedEmbedding; usage: Usage | null }> => {
        const sim = simulateEmbeddings(body);
        const value: CachedEmbedding = {
          body: JSON.stringify(sim.json),
          provider: SIMULATED_PROVIDER,
          servedModel: body.model,
          promptTokens: sim.promptTokens,
          simulated: true,
        };
        return { value, usage: { ...emptyUsage(), inputUncached: value.promptTokens } };
      };
      // Reserved like a real call (as chat does), so budgets hold and can be tried out with no provider.
      try {
        answer = g
          ? await g.call({ provider: SIMULATED_UPSTREAM, model: body.model }, simulated)
          : (await simulated()).value;
      } catch (e) {
        return this.fail(start, headers, body.model, asPennyError(e), SIMULATED_PROVIDER);
      }
      headers['x-penny-simulated'] = 'true';
    } else {
      let target: ReturnType<Gateway['resolver']['resolve']>;
      try {
        target = this.deps.gateway.resolver.resolve(body.model);
      } catch (e) {
        return this.fail(start, headers, body.model, asPennyError(e), null);
      }
      const provider = target.provider;
      const path = endpointPath(target, '/embeddings');
      if (path === null)
        return this.fail(
          start,
          headers,
          body.model,
          new InvalidRequestError(
            `model "${body.model}" is served by provider "${provider.name}" (${provider.type}), which has no embeddings API; map embedding models to an OpenAI-format provider`,
            'model',
          ),
          provider.name,
        );
      const apiKey = this.deps.gateway.providerKeyFor(call, target, start.attribution) ?? provider.apiKey;
      const upstream = async (): Promise<{ value: CachedEmbedding; usage: Usage | null }> => {
        const res = await this.deps.gateway.upstreams.call(
          provider,
          target.model,
          JSON.stringify({ ...body, model: target.model }),
          { apiKey, signal: call.signal, path },
        );
        const text = res.text;
        if (res.statusCode >= 400) throw CODECS.openai.parseError(res.statusCode, text, provider.name);
        const parsed = JSON.parse(text) as { usage?: { prompt_tokens?: unknown } };
        let tokens = parsed.usage?.prompt_tokens;
        if (typeof tokens !== 'number') {
          estimated = true;
          tokens = inputList(body.input).reduce<number>(
            (n, i) => n + (typeof i === 'string' ? countText(i, target.model).tokens : i.length),
            0,
          );
        }
        const value: CachedEmbedding = {
          body: text,
          provider: provider.name,
          servedModel: target.model,
          promptTokens: tokens as number,
          simulated: false,
        };
        return { value, usage: { ...emptyUsage(), inputUncached: value.promptTokens } };
      };
      try {
        answer = g ? await g.call(target, upstream) : (await upstream()).value;
      } catch (e) {
        const err =
          e instanceof SyntaxError
            ? new PennyError(
                'upstream_bad_response',
                `provider "${provider.name}" returned a body that is not JSON`,
                { cause: e },
              )
            : asPennyError(e);
        return this.fail(start, headers, body.model, err, provider.name);
      }
    }
    const usage: Usage = {
      ...emptyUsage(),
      inputUncached: answer.promptTokens,
      ...(estimated ? { estimated: true } : {}),
    };
    const priced = settleCall(
      { model: answer.servedModel, provider: answer.simulated ? null : answer.provider, usage },
      this.deps.catalog,
    );
    if (policy && key !== undefined && !estimated) {
      const ttl = controls.ttlSeconds ?? policy.ttlSeconds;
      this.cache.set(policy.store, key, answer, ttl).catch(() => {});
      (meta.cache as Record<string, unknown>).stored = true;
    }
    headers['x-penny-provider'] = answer.provider;
    headers['x-penny-model'] = answer.servedModel;
    headers['x-penny-cost-usd'] = costHeader(priced.cost);
    if (meta.cache) headers['x-penny-cache'] = (meta.cache as { status: string }).status;
    this.deps.gateway.record(
      endpointEntry(start, {
        provider: answer.provider,
        requestedModel: body.model,
        servedModel: answer.servedModel,
        stream: false,
        simulated: answer.simulated,
        usage,
        cost: priced.cost,
        flags: priced.flags,
        status: 'ok',
        httpStatus: 200,
        errorClass: null,
        meta,
      }),
    );
    return { status: 200, headers, body: answer.body };
  }

  private serveHit(
    start: CallStart,
    headers: Record<string, string>,
    body: EmbeddingsBody,
    hit: CachedEmbedding,
    meta: Record<string, unknown>,
    store: string,
  ): Reply {
    const usage: Usage = { ...emptyUsage(), inputUncached: hit.promptTokens };
    const settled = settleCall(
      { model: hit.servedModel, provider: hit.simulated ? null : hit.provider, usage },
      this.deps.catalog,
      'cache.exact',
    );
    meta.cache = { status: 'hit', kind: 'exact', store };
    headers['x-penny-cache'] = 'hit';
    headers['x-penny-provider'] = hit.provider;
    headers['x-penny-model'] = hit.servedModel;
    headers['x-penny-cost-usd'] = '0';
    this.deps.gateway.record(
      endpointEntry(start, {
        provider: hit.provider,
        requestedModel: body.model,
        servedModel: hit.servedModel,
        stream: false,
        simulated: hit.simulated,
        usage,
        cost: settled.cost,
        baselineCost: settled.baselineCost,
        savings: settled.savings,
        flags: settled.flags,
        status: 'ok',
        httpStatus: 200,
        errorClass: null,
        meta,
      }),
    );
    return { status: 200, headers, body: hit.body };
  }

  private fail(
    start: CallStart,
    headers: Record<string, string>,
    model: string,
    err: PennyError,
    provider: string | null,
  ): Reply {
    const wire = toWireError(err, 'openai');
    const aborted = err.code === 'client_aborted';
    this.deps.gateway.record(
      endpointEntry(start, {
        provider,
        requestedModel: model.slice(0, 200),
        servedModel: null,
        stream: false,
        simulated: this.deps.gateway.simulated,
        usage: null,
        cost: 0n,
        flags: aborted ? ['client_aborted'] : [],
        status: aborted ? 'aborted' : 'error',
        httpStatus: wire.status,
        errorClass: err.code,
        meta: { endpoint: 'embeddings' },
      }),
      err,
    );
    return { status: wire.status, headers, body: JSON.stringify(wire.body) };
  }
}

function costHeader(cost: Money | null): string {
  return cost === null ? 'unknown' : moneyToDecimal(cost);
}
