/**
 * OpenAI Chat Completions wire format for the fake: JSON bodies, `chat.completion.chunk` SSE frames and
 * error bodies. `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens` (and cache writes), and
 * `completion_tokens` INCLUDES `reasoning_tokens`, as on the real API.
 */
import type { Answer, AnswerUsage } from './answer.js';
import { type Frame, sseData } from './frames.js';

export interface OpenAiCtx {
  id: string;
  model: string;
  created: number;
  n: number;
  logprobs: boolean;
  topLogprobs: number;
}

export function openAiUsage(u: AnswerUsage, n = 1): Record<string, unknown> {
  const prompt = u.input + u.cached + u.cacheWrite5m + u.cacheWrite1h;
  const completion = (u.output + u.reasoning) * n;
  const promptDetails: Record<string, number> = { cached_tokens: u.cached, audio_tokens: 0 };
  const writes = u.cacheWrite5m + u.cacheWrite1h;
  if (writes > 0) promptDetails.cache_write_tokens = writes;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      reasoning_tokens: u.reasoning * n,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function logprobEntry(token: string, i: number, top: number): Record<string, unknown> {
  const logprob = -((i % 5) + 1) / 100;
  const bytes = [...Buffer.from(token, 'utf8')];
  const alternatives = [];
  for (let j = 0; j < top; j++) {
    const alt = j === 0 ? token : ` alt${j}`;
    alternatives.push({ token: alt, logprob: logprob - j, bytes: [...Buffer.from(alt, 'utf8')] });
  }
  return { token, logprob, bytes, top_logprobs: alternatives };
}

function toolCallJson(a: Answer): Record<string, unknown>[] | undefined {
  if (a.toolCall === undefined) return undefined;
  return [
    {
      id: a.toolCall.id,
      type: 'function',
      function: { name: a.toolCall.name, arguments: a.toolCall.arguments },
    },
  ];
}

export function openAiCompletion(a: Answer, ctx: OpenAiCtx): Record<string, unknown> {
  const choices = [];
  for (let i = 0; i < ctx.n; i++) {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: a.toolCall === undefined ? a.text : null,
      refusal: null,
      annotations: [],
    };
    const calls = toolCallJson(a);
    if (calls !== undefined) message.tool_calls = calls;
    choices.push({
      index: i,
      message,
      logprobs: ctx.logprobs
        ? { content: a.pieces.map((p, k) => logprobEntry(p, k, ctx.topLogprobs)), refusal: null }
        : null,
      finish_reason: a.finish,
    });
  }
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: ctx.created,
    model: ctx.model,
    choices,
    usage: openAiUsage(a.usage, ctx.n),
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/** Every frame of a streamed completion, `[DONE]` included. */
export function openAiFrames(a: Answer, ctx: OpenAiCtx, includeUsage: boolean): Frame[] {
  const frames: Frame[] = [];
  const chunk = (choices: unknown[], content = false, usage: unknown = null): Frame => {
    const obj: Record<string, unknown> = {
      id: ctx.id,
      object: 'chat.completion.chunk',
      created: ctx.created,
      model: ctx.model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
      choices,
    };
    if (includeUsage) obj.usage = usage;
    return sseData(obj, content);
  };
  const choice = (i: number, delta: unknown, finish: string | null = null, logprobs: unknown = null) => ({
    index: i,
    delta,
    logprobs,
    finish_reason: finish,
  });
  const tc = a.toolCall;
  for (let i = 0; i < ctx.n; i++) {
    const delta =
      tc === undefined
        ? { role: 'assistant', content: '', refusal: null }
        : {
            role: 'assistant',
            content: null,
            refusal: null,
            tool_calls: [
              { index: 0, id: tc.id, type: 'function', function: { name: tc.name, arguments: '' } },
            ],
          };
    frames.push(chunk([choice(i, delta)]));
  }
  if (tc !== undefined) {
    for (const frag of tc.fragments) {
      for (let i = 0; i < ctx.n; i++) {
        frames.push(chunk([choice(i, { tool_calls: [{ index: 0, function: { arguments: frag } }] })], true));
      }
    }
  } else {
    a.pieces.forEach((piece, k) => {
      for (let i = 0; i < ctx.n; i++) {
        const lp = ctx.logprobs
          ? { content: [logprobEntry(piece, k, ctx.topLogprobs)], refusal: null }
          : null;
        frames.push(chunk([choice(i, { content: piece }, null, lp)], true));
      }
    });
  }
  for (let i = 0; i < ctx.n; i++) frames.push(chunk([choice(i, {}, a.finish)]));
  if (includeUsage) frames.push(chunk([], false, openAiUsage(a.usage, ctx.n)));
  frames.push({ data: 'data: [DONE]\n\n', content: false });
  return frames;
}

const ERROR_TYPES: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again in 1s.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request.',
  },
  503: {
    type: 'server_error',
    code: null,
    message: 'The engine is currently overloaded, please try again later.',
  },
};

export function openAiError(
  status: number,
  message?: string,
  over: { type?: string; code?: string | null; param?: string | null } = {},
): string {
  const d = ERROR_TYPES[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
    message: `Fake upstream error ${status}.`,
  };
  return JSON.stringify({
    error: {
      message: message ?? d.message,
      type: over.type ?? d.type,
      param: over.param ?? null,
      code: over.code === undefined ? d.code : over.code,
    },
  });
}

export const OPENAI_MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-5',
  'gpt-5-mini',
  'o3-mini',
];

export function openAiModelList(): string {
  return JSON.stringify({
    object: 'list',
    data: OPENAI_MODELS.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
  });
}
