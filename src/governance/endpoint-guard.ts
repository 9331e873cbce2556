/**
 * Governance for the OpenAI endpoints served beside the chat pipeline (`/v1/embeddings`, `/v1/completions`):
 * the same guard stage as chat — virtual key, allow-lists, rate limits, budgets — run around the endpoint's
 * one upstream call. The endpoint describes its call as prompt text (or a token count) and an output bound;
 * the guard sees it as a one-message request, so worst cases, tpm counts and refusals are computed exactly as
 * for chat, and the call reserves before it is sent and settles to its usage after.
 */
import type { CanonicalRequest } from '../core/request.js';
import type { Usage } from '../core/usage.js';
import { type Attribution, type Outcome, type ResponseSink, createContext } from '../pipeline/context.js';
import type { Stage } from '../pipeline/stage.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { Target, TargetResolver } from '../providers/resolve-target.js';
import type { Governance } from './governance.js';
import { createGuardStage, verifyCaller } from './guard-stage.js';
import { presetPromptTokens } from './worst-case.js';

export interface EndpointCallShape {
  id: string;
  startedAt: number;
  t0: bigint;
  /** Mutated: a verified virtual key becomes its `keyId`. */
  attribution: Attribution;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  signal: AbortSignal;
  model: string;
  /** The prompt's tokens when the endpoint knows them (token-array prompts); else counted from `text`. */
  promptTokens?: number;
  text: string;
  /** The output bound: 0 for embeddings; `max_tokens` for completions (undefined: the model's maximum). */
  maxTokens: number | undefined;
  n?: number;
  stream: boolean;
}

/** What the endpoint does under the guard: its upstream call, reserved against budgets before it is sent. */
export interface GuardedCall {
  /** Reserves the call to `target` (throws a provider-shaped refusal), then runs it and settles its usage. */
  call<T>(target: Target, run: () => Promise<{ value: T; usage: Usage | null }>): Promise<T>;
  /** Response headers the guard added (x-ratelimit-*, retry-after, x-penny-budget). */
  readonly headers: Record<string, string>;
}

const NULL_SINK: ResponseSink = {
  closed: true,
  json() {},
  startStream() {},
  write() {},
  end() {},
};

export class EndpointGuard {
  private readonly stage: Stage;

  private readonly gov: Governance;

  constructor(deps: { gov: Governance; catalog: PriceCatalog; resolver: TargetResolver }) {
    this.gov = deps.gov;
    this.stage = createGuardStage(deps);
  }

  /** Only who is calling (an endpoint that spends nothing, such as count_tokens): key, allow-lists, requireKeys. */
  async verify(
    headers: Readonly<Record<string, string | string[] | undefined>>,
    attribution: Attribution,
    model: string,
  ): Promise<void> {
    await verifyCaller(this.gov, headers, attribution, model);
  }

  /**
   * Runs `body` under the guard. A refusal (bad key, model not allowed, rate limit, budget) throws the same
   * PennyError as chat; `headers` then holds what the client should see with it (retry-after …).
   */
  async run<T>(
    shape: EndpointCallShape,
    headers: Record<string, string>,
    body: (g: GuardedCall) => Promise<T>,
  ): Promise<T> {
    const request: CanonicalRequest = {
      dialect: 'openai',
      model: shape.model,
      system: [],
      messages: [{ role: 'user', content: [{ type: 'text', text: shape.text }] }],
      maxTokens: shape.maxTokens,
      ...(shape.n !== undefined ? { n: shape.n } : {}),
      stream: shape.stream,
      extra: {},
    };
    if (shape.promptTokens !== undefined) presetPromptTokens(request, shape.promptTokens);
    const ctx = createContext({
      id: shape.id,
      startedAt: shape.startedAt,
      t0: shape.t0,
      clientDialect: 'openai',
      request,
      original: request,
      attribution: shape.attribution,
      clientKey: undefined,
      signal: shape.signal,
      sink: NULL_SINK,
      requestHeaders: shape.headers,
      headers,
    });
    let value: T | undefined;
    await this.stage.run(ctx, async () => {
      let usage: Usage | null = null;
      const guarded: GuardedCall = {
        headers,
        call: async (target, run) => {
          const ticket = ctx.callGuard ? await ctx.callGuard.begin(ctx, target) : null;
          let done: { value: unknown; usage: Usage | null } | null = null;
          try {
            done = await run();
            usage = done.usage;
            return done.value as never;
          } finally {
            ticket?.end(done ? outcomeOf(done.usage) : null);
          }
        },
      };
      value = await body(guarded);
      return outcomeOf(usage);
    });
    return value as T;
  }
}

function outcomeOf(usage: Usage | null): Outcome {
  return {
    status: 'ok',
    httpStatus: 200,
    provider: null,
    servedModel: null,
    usage,
    response: null,
    error: null,
    ttftMs: null,
    simulated: false,
    written: true,
  };
}
