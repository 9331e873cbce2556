/**
 * Legacy `POST /v1/completions` (prompt in, text out — gpt-3.5-turbo-instruct, davinci-002 and most
 * OpenAI-compatible servers): proxied to the OpenAI-format provider serving the model, streamed or not,
 * priced from its usage and written to the ledger (`meta.endpoint: "completions"`). Streams ask the upstream
 * for a usage chunk and hide it from a client that did not ask; a stream without usage is estimated and
 * flagged. Offline, the simulated upstream answers. The body is otherwise passed through untouched.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
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
import type { Gateway } from '../pipeline/gateway.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import { CODECS } from '../providers/codecs.js';
import { SIMULATED_PROVIDER, SIMULATED_UPSTREAM } from '../providers/simulated/simulated.js';
import { SseParser } from '../providers/sse.js';
import type { UpstreamBody } from '../providers/upstream.js';
import type { EndpointReply, EndpointService } from '../endpoints/endpoint-call.js';
import { countText } from '../tokens/index.js';
import type { EndpointGuard, GuardedCall } from '../governance/endpoint-guard.js';
import { settleCall } from '../pipeline/settle/settle-call.js';

const tokens = z.array(z.number().int().nonnegative());
const bodySchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()), tokens, z.array(tokens)]),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});
type Body = z.output<typeof bodySchema>;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export interface CompletionsDeps {
  catalog: PriceCatalog;
  logger: Logger;
  gateway: Gateway;
  /** Keys, rate limits and budgets, as for chat (absent in tests that build the service alone). */
  guard?: EndpointGuard;
}

interface Served {
  provider: string;
  model: string;
  usage: Usage;
  simulated: boolean;
}

function promptText(p: Body['prompt']): string {
  if (typeof p === 'string') return p;
  return p.map((x) => (typeof x === 'string' ? x : Array.isArray(x) ? x.join(' ') : String(x))).join('\n');
}

function usageOf(raw: unknown): Usage | null {
  const u = raw as { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;
  if (typeof u?.prompt_tokens !== 'number') return null;
  const out = typeof u.completion_tokens === 'number' ? u.completion_tokens : 0;
  return { ...emptyUsage(), inputUncached: u.prompt_tokens, outputText: out };
}

export class CompletionsService implements EndpointService {
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly deps: CompletionsDeps) {}

  handle(call: EndpointCall, res: ServerResponse): Promise<EndpointReply | null> {
    const p = this.run(call, res);
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async close(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async run(call: EndpointCall, res: ServerResponse): Promise<EndpointReply | null> {
    const start = startCall(call);
    const headers: Record<string, string> = { 'x-penny-request-id': start.id };
    const parsed = bodySchema.safeParse(call.body);
    const requested = String((call.body as { model?: unknown } | null)?.model ?? '').slice(0, 200);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.map(String).join('.') || 'body';
      return this.fail(
        start,
        headers,
        requested,
        new InvalidRequestError(`${path}: ${issue.message}`, path),
        null,
        false,
      );
    }
    const body = parsed.data;
    const stream = body.stream === true;
    if (!this.deps.guard) return this.serve(call, res, start, headers, body, null);
    const p = body.prompt;
    const ids = typeof p === 'string' ? [] : p.filter((x) => typeof x !== 'string');
    const idTokens = ids.reduce<number>((n, x) => n + (Array.isArray(x) ? x.length : 1), 0);
    const text = typeof p === 'string' ? p : p.filter((x): x is string => typeof x === 'string').join('\n');
    const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
    const b = body as Record<string, unknown>;
    const n = Math.max(num(b.n) ?? 1, num(b.best_of) ?? 1);
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
          maxTokens: num(b.max_tokens),
          n,
          stream,
        },
        headers,
        (g) => this.serve(call, res, start, headers, body, g),
      );
    } catch (e) {
      return this.fail(start, headers, body.model, asPennyError(e), null, stream);
    }
  }

  private async serve(
    call: EndpointCall,
    res: ServerResponse,
    start: CallStart,
    headers: Record<string, string>,
    body: Body,
    g: GuardedCall | null,
  ): Promise<EndpointReply | null> {
    const stream = body.stream === true;
    if (this.deps.gateway.simulated) {
      // Reserved like a real call (as chat does), so budgets hold and can be tried out with no provider.
      const sim = { usage: null as Usage | null };
      const run = () => this.simulate(start, headers, body, res, sim);
      if (!g) return run();
      try {
        return await g.call({ provider: SIMULATED_UPSTREAM, model: body.model }, async () => ({
          value: run(),
          usage: sim.usage,
        }));
      } catch (e) {
        return this.fail(start, headers, body.model, asPennyError(e), SIMULATED_PROVIDER, stream);
      }
    }
    let target: ReturnType<Gateway['resolver']['resolve']>;
    try {
      target = this.deps.gateway.resolver.resolve(body.model);
    } catch (e) {
      return this.fail(start, headers, body.model, asPennyError(e), null, stream);
    }
    const provider = target.provider;
    const path = endpointPath(target, '/completions');
    if (path === null)
      return this.fail(
        start,
        headers,
        body.model,
        new InvalidRequestError(
          `model "${body.model}" is served by provider "${provider.name}" (${provider.type}), which has no legacy completions API; use /v1/chat/completions or /v1/messages`,
          'model',
        ),
        provider.name,
        stream,
      );
    const track: { usage: Usage | null } = { usage: null };
    const forward = () => this.forward(call, res, start, headers, body, target, path, track);
    if (!g) return forward();
    try {
      return await g.call(target, async () => ({ value: await forward(), usage: track.usage }));
    } catch (e) {
      return this.fail(start, headers, body.model, asPennyError(e), provider.name, stream);
    }
  }

  /** The upstream call and its answer; `track.usage` is what it was billed. */
  private async forward(
    call: EndpointCall,
    res: ServerResponse,
    start: CallStart,
    headers: Record<string, string>,
    body: Body,
    target: ReturnType<Gateway['resolver']['resolve']>,
    path: string,
    track: { usage: Usage | null },
  ): Promise<EndpointReply | null> {
    const stream = body.stream === true;
    const provider = target.provider;
    const clientWantsUsage = body.stream_options?.include_usage === true;
    const upstreamBody = stream
      ? { ...body, model: target.model, stream_options: { ...body.stream_options, include_usage: true } }
      : { ...body, model: target.model };
    /** The answer's text when it is not a stream, else its body, read as it arrives. */
    let whole = '';
    let streamed: UpstreamBody | null = null;
    try {
      const upstreams = this.deps.gateway.upstreams;
      const payload = JSON.stringify(upstreamBody);
      const opts = {
        apiKey: this.deps.gateway.providerKeyFor(call, target, start.attribution) ?? provider.apiKey,
        signal: call.signal,
        path,
      };
      if (stream) {
        const up = await upstreams.open(provider, target.model, payload, opts);
        if (up.statusCode >= 400)
          throw CODECS.openai.parseError(up.statusCode, await up.body.text(), provider.name);
        if (String(up.headers['content-type'] ?? '').includes('text/event-stream')) streamed = up.body;
        else whole = await up.body.text();
      } else {
        const up = await upstreams.call(provider, target.model, payload, opts);
        if (up.statusCode >= 400) throw CODECS.openai.parseError(up.statusCode, up.text, provider.name);
        whole = up.text;
      }
    } catch (e) {
      return this.fail(start, headers, body.model, asPennyError(e), provider.name, stream);
    }
    headers['x-penny-provider'] = provider.name;
    headers['x-penny-model'] = target.model;
    if (streamed === null) {
      const text = whole;
      let json: { usage?: unknown; choices?: Array<{ text?: unknown }> };
      try {
        json = JSON.parse(text);
      } catch (e) {
        return this.fail(
          start,
          headers,
          body.model,
          new PennyError(
            'upstream_bad_response',
            `provider "${provider.name}" returned a body that is not JSON`,
            { cause: e },
          ),
          provider.name,
          stream,
        );
      }
      const usage =
        usageOf(json.usage) ??
        this.estimate(body, target.model, (json.choices ?? []).map((c) => String(c.text ?? '')).join(''));
      track.usage = usage;
      const cost = this.settle(
        start,
        body,
        { provider: provider.name, model: target.model, usage, simulated: false },
        false,
        null,
      );
      headers['content-type'] = 'application/json';
      headers['x-penny-cost-usd'] = cost === null ? 'unknown' : moneyToDecimal(cost);
      return { status: 200, headers, body: text };
    }
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    const parser = new SseParser();
    let usage: Usage | null = null;
    let text = '';
    let t0: number | null = null;
    const handle = (events: ReturnType<SseParser['push']>) => {
      let out = '';
      for (const ev of events) {
        let usageOnly = false;
        if (ev.data !== '[DONE]') {
          try {
            const c = JSON.parse(ev.data) as { usage?: unknown; choices?: Array<{ text?: unknown }> };
            const u = usageOf(c.usage);
            if (u) usage = u;
            for (const ch of c.choices ?? []) if (typeof ch.text === 'string') text += ch.text;
            if (t0 === null && text !== '') t0 = Number(process.hrtime.bigint() - start.t0) / 1e6;
            usageOnly = u !== null && (c.choices ?? []).length === 0;
          } catch {
            // not JSON: forwarded as it came
          }
        }
        if (!(usageOnly && !clientWantsUsage)) out += `data: ${ev.data}\n\n`;
      }
      if (out && !res.destroyed) res.write(out);
    };
    let failure: PennyError | null = null;
    try {
      const body = streamed;
      const resume = () => body.resume();
      // A slow client pauses the upstream until its socket drains, instead of Penny buffering the answer.
      await body.each((chunk) => {
        handle(parser.push(chunk));
        if (res.destroyed || !res.writableNeedDrain) return true;
        res.once('drain', resume);
        return false;
      });
      handle(parser.end());
    } catch (e) {
      failure = call.signal.aborted
        ? new PennyError('client_aborted', 'the client closed the connection mid-stream')
        : new PennyError('upstream_stream_broken', `the stream from provider "${provider.name}" broke`, {
            cause: e,
          });
    }
    if (!res.destroyed) res.end();
    const served: Served = {
      provider: provider.name,
      model: target.model,
      usage: usage ?? this.estimate(body, target.model, text),
      simulated: false,
    };
    track.usage = served.usage;
    this.settle(start, body, served, true, failure, t0);
    return null;
  }

  private estimate(body: Body, model: string, output: string): Usage {
    return {
      ...emptyUsage(),
      inputUncached: countText(promptText(body.prompt), model).tokens,
      outputText: countText(output, model).tokens,
      estimated: true,
    };
  }

  private simulate(
    start: CallStart,
    headers: Record<string, string>,
    body: Body,
    res: ServerResponse,
    track: { usage: Usage | null },
  ): EndpointReply | null {
    const prompt = promptText(body.prompt).replace(/\s+/g, ' ').trim().slice(0, 120);
    let text = ` This is a simulated completion from Penny (no provider is configured). Prompt: "${prompt}".`;
    let usage: Usage = this.estimate(body, body.model, text);
    // Like a real provider, the answer stops at max_tokens (so its cost never passes the reserved worst case).
    const cap = (body as { max_tokens?: unknown }).max_tokens;
    let finish: 'stop' | 'length' = 'stop';
    if (typeof cap === 'number' && Number.isInteger(cap) && cap > 0 && usage.outputText > cap) {
      const words = text.split(' ');
      text = words.slice(0, Math.max(1, Math.floor((words.length * cap) / usage.outputText))).join(' ');
      usage = this.estimate(body, body.model, text);
      usage.outputText = Math.min(cap, usage.outputText);
      finish = 'length';
    }
    delete usage.estimated;
    track.usage = usage;
    const id = `cmpl-sim-${start.id}`;
    const created = Math.floor(start.startedAt / 1000);
    const usageJson = {
      prompt_tokens: usage.inputUncached,
      completion_tokens: usage.outputText,
      total_tokens: usage.inputUncached + usage.outputText,
    };
    const cost = this.settle(
      start,
      body,
      { provider: SIMULATED_PROVIDER, model: body.model, usage, simulated: true },
      body.stream === true,
      null,
    );
    headers['x-penny-simulated'] = 'true';
    headers['x-penny-provider'] = SIMULATED_PROVIDER;
    headers['x-penny-cost-usd'] = cost === null ? 'unknown' : moneyToDecimal(cost);
    const head = { id, object: 'text_completion', created, model: body.model };
    if (body.stream !== true)
      return {
        status: 200,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          ...head,
          choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
          usage: usageJson,
        }),
      };
    res.writeHead(200, { ...SSE_HEADERS, ...headers });
    let out = '';
    for (const piece of text.match(/\s*\S+/g) ?? [])
      out += `data: ${JSON.stringify({ ...head, choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }] })}\n\n`;
    out += `data: ${JSON.stringify({ ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: finish }] })}\n\n`;
    if (body.stream_options?.include_usage === true)
      out += `data: ${JSON.stringify({ ...head, choices: [], usage: usageJson })}\n\n`;
    res.end(`${out}data: [DONE]\n\n`);
    return null;
  }

  private settle(
    start: CallStart,
    body: Body,
    s: Served,
    stream: boolean,
    failure: PennyError | null,
    ttftMs: number | null = null,
  ): Money | null {
    const priced = settleCall(
      { model: s.model, provider: s.simulated ? null : s.provider, usage: s.usage },
      this.deps.catalog,
    );
    const aborted = failure?.code === 'client_aborted';
    this.deps.gateway.record(
      endpointEntry(start, {
        provider: s.provider,
        requestedModel: body.model,
        servedModel: s.model,
        stream,
        simulated: s.simulated,
        usage: s.usage,
        cost: priced.cost,
        flags: aborted ? [...priced.flags, 'client_aborted'] : priced.flags,
        ttftMs,
        status: failure ? (aborted ? 'aborted' : 'error') : 'ok',
        httpStatus: failure ? (aborted ? 499 : 502) : 200,
        errorClass: failure?.code ?? null,
        meta: { endpoint: 'completions' },
      }),
      failure,
    );
    return priced.cost;
  }

  private fail(
    start: CallStart,
    headers: Record<string, string>,
    model: string,
    err: PennyError,
    provider: string | null,
    stream: boolean,
  ): EndpointReply {
    const wire = toWireError(err, 'openai');
    this.deps.gateway.record(
      endpointEntry(start, {
        provider,
        requestedModel: model,
        servedModel: null,
        stream,
        simulated: this.deps.gateway.simulated,
        usage: null,
        cost: 0n,
        flags: [],
        status: 'error',
        httpStatus: wire.status,
        errorClass: err.code,
        meta: { endpoint: 'completions' },
      }),
      err,
    );
    return {
      status: wire.status,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(wire.body),
    };
  }
}
