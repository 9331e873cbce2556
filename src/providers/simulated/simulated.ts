/**
 * The built-in simulated upstream: used when no provider is configured, so a newcomer can try the whole
 * flow offline. Answers are deterministic, usage is counted with Penny's own tokenizer (estimates are
 * labelled), and every response and ledger entry is marked as simulated.
 */
import { randomUUID } from 'node:crypto';
import type { CanonicalRequest } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import { countOutputTokens, countRequestTokens } from '../../tokens/index.js';

export const SIMULATED_PROVIDER = 'simulated';

export function simulate(req: CanonicalRequest, now: number = Date.now()): CanonicalResponse {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  let said = '';
  for (const p of last?.content ?? []) if (p.type === 'text') said += p.text;
  said = said.replace(/\s+/g, ' ').trim();
  if (said.length > 160) said = `${said.slice(0, 157)}...`;
  const json = req.responseFormat && req.responseFormat.type !== 'text';
  const text = json
    ? JSON.stringify({ simulated: true, echo: said })
    : `This is a simulated answer from Penny: no provider is configured, so nothing was sent to a model. You said: "${said}". Set OPENAI_API_KEY or ANTHROPIC_API_KEY (or add a provider to penny.config.yaml) to get real answers.`;
  let out = text;
  let finish: 'stop' | 'length' = 'stop';
  const cap = req.maxTokens;
  let outTokens = countOutputTokens(text, req.model).tokens;
  if (cap !== undefined && outTokens > cap) {
    const words = text.split(' ');
    out = words.slice(0, Math.max(1, Math.floor((words.length * cap) / outTokens))).join(' ');
    outTokens = Math.min(cap, countOutputTokens(out, req.model).tokens);
    finish = 'length';
  }
  const input = countRequestTokens(req, req.model);
  const n = Math.max(1, req.n ?? 1);
  return {
    id: `sim-${randomUUID()}`,
    model: req.model,
    created: Math.floor(now / 1000),
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      content: [{ type: 'text' as const, text: out }],
      finish: { unified: finish, raw: finish },
    })),
    usage: {
      inputUncached: input.tokens,
      cacheRead: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      outputText: outTokens * n,
      reasoning: 0,
      ...(input.exact ? {} : { estimated: true }),
    },
  };
}
