/**
 * POST /v1/completions on the fake (legacy text completions): `echo: <prompt>` padded to N words
 * (#fake:words=N, default 12), JSON or SSE (one word per chunk, a usage chunk when include_usage is set);
 * prompt_tokens = characters / 4 rounded up, completion_tokens = words.
 */
import { openAiError } from './openai-wire.js';
import { parseBody, type RouteContext } from './route-context.js';

const FILLER = ['lorem', 'ipsum', 'dolor', 'sit', 'amet'];

export async function openAiCompletions(ctx: RouteContext): Promise<void> {
  const { ex } = ctx;
  const json = { 'content-type': 'application/json' };
  const body = parseBody(ctx.raw);
  if (body === undefined || typeof body.model !== 'string' || body.prompt === undefined) {
    ex.send(400, openAiError(400, "Missing required parameter: 'prompt'.", { param: 'prompt' }), json);
    return;
  }
  ex.rec.body = body;
  const prompt = typeof body.prompt === 'string' ? body.prompt : JSON.stringify(body.prompt);
  const n = Number(/#fake:words=(\d+)/.exec(prompt)?.[1] ?? 12);
  const words = `echo: ${prompt.replace(/#fake:\S+/g, '')}`.split(/\s+/).filter(Boolean).slice(0, n);
  while (words.length < n) words.push(FILLER[words.length % FILLER.length]!);
  const usage = {
    prompt_tokens: Math.max(1, Math.ceil(prompt.length / 4)),
    completion_tokens: n,
    total_tokens: Math.max(1, Math.ceil(prompt.length / 4)) + n,
  };
  const head = {
    id: `cmpl-fake-${ctx.seq}`,
    object: 'text_completion',
    created: 1_700_000_000,
    model: body.model,
  };
  if (body.stream !== true) {
    const choices = [{ text: words.join(' '), index: 0, logprobs: null, finish_reason: 'stop' }];
    ex.send(200, JSON.stringify({ ...head, choices, usage }), json);
    return;
  }
  const frames = words.map((w, i) => ({
    data: `data: ${JSON.stringify({ ...head, choices: [{ text: i ? ` ${w}` : w, index: 0, logprobs: null, finish_reason: null }] })}\n\n`,
    content: true,
  }));
  frames.push({
    data: `data: ${JSON.stringify({ ...head, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] })}\n\n`,
    content: false,
  });
  const opts = body.stream_options as { include_usage?: boolean } | undefined;
  if (opts?.include_usage)
    frames.push({ data: `data: ${JSON.stringify({ ...head, choices: [], usage })}\n\n`, content: false });
  frames.push({ data: 'data: [DONE]\n\n', content: false });
  await ex.stream(frames, { 'content-type': 'text/event-stream; charset=utf-8' }, {});
}
