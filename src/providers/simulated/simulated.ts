/**
 * The built-in simulated upstream: used when no provider is configured, so a newcomer can try the whole
 * flow offline — including what real apps do: when tools are offered it calls one (honouring tool_choice,
 * arguments valid against the tool's schema) unless the conversation ends with a tool result; a requested
 * JSON schema gets a JSON answer valid against it; logprobs come back when asked. Answers are
 * deterministic, usage is counted with Penny's own tokenizer (estimates are labelled), and every response
 * and ledger entry is marked as simulated.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ResolvedProvider } from '../../config/load.js';
import type { CanonicalRequest, ContentPart, ToolDef } from '../../core/request.js';
import type { CanonicalResponse, Finish } from '../../core/response.js';
import { countOutputTokens, countRequestTokens } from '../../tokens/index.js';
import { sampleJson } from './sample-json.js';

export const SIMULATED_PROVIDER = 'simulated';

/** The simulated upstream as a call target (budgets reserve on it like on a real provider). */
export const SIMULATED_UPSTREAM: ResolvedProvider = {
  name: SIMULATED_PROVIDER,
  type: 'openai',
  baseUrl: 'simulated:',
  apiKey: undefined,
  headers: {},
  models: [],
  apiVersion: undefined,
  deployments: {},
  timeoutMs: 0,
  idleTimeoutMs: 0,
  maxConnections: 0,
};

function lastUserText(req: CanonicalRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  let said = '';
  for (const p of last?.content ?? []) if (p.type === 'text') said += p.text;
  said = said.replace(/\s+/g, ' ').trim();
  return said.length > 160 ? `${said.slice(0, 157)}...` : said;
}

/** True when the last turn hands back tool results (the model should answer in words now). */
function endsWithToolResult(req: CanonicalRequest): boolean {
  const last = req.messages.at(-1);
  return last?.content.some((p) => p.type === 'tool_result') === true;
}

/** The tool the simulated model calls, or undefined for a text answer. */
function chooseTool(req: CanonicalRequest): ToolDef | undefined {
  const tools = (req.tools ?? []).filter((t) => t.raw === undefined);
  const choice = req.toolChoice;
  if (tools.length === 0 || choice?.type === 'none') return undefined;
  if (choice?.type === 'tool') return tools.find((t) => t.name === choice.name);
  if (choice?.type === 'required') return tools[0];
  return endsWithToolResult(req) ? undefined : tools[0];
}

function firstWord(said: string): string {
  return said.split(/[^\p{L}\p{N}]+/u).find((w) => w.length > 1) ?? 'simulated';
}

/** OpenAI-shaped logprobs for `text`: one entry per word-ish token, deterministic values. */
function logprobsFor(text: string, top: number): unknown {
  const tokens = text.match(/\s*\S+/g) ?? [];
  return {
    content: tokens.map((token, i) => {
      const logprob = -((i % 7) + 1) / 50;
      const bytes = [...Buffer.from(token, 'utf8')];
      const top_logprobs = Array.from({ length: top }, (_, j) => {
        const alt = j === 0 ? token : `${token}${j}`;
        return { token: alt, logprob: logprob - j, bytes: [...Buffer.from(alt, 'utf8')] };
      });
      return { token, logprob, bytes, top_logprobs };
    }),
    refusal: null,
  };
}

export function simulate(req: CanonicalRequest, now: number = Date.now()): CanonicalResponse {
  const said = lastUserText(req);
  const tool = chooseTool(req);
  let content: ContentPart[];
  let finish: Finish;
  let outTokens: number;
  let text = '';
  if (tool !== undefined) {
    const args = JSON.stringify(sampleJson({ type: 'object', ...tool.parameters }, firstWord(said)));
    const id = `call_sim_${createHash('sha256').update(`${tool.name}\0${said}`).digest('hex').slice(0, 16)}`;
    content = [{ type: 'tool_call', id, name: tool.name, arguments: args }];
    finish = { unified: 'tool_calls', raw: 'tool_calls' };
    outTokens = countOutputTokens(tool.name + args, req.model).tokens;
  } else {
    const rf = req.responseFormat;
    if (rf?.type === 'json_schema') text = JSON.stringify(sampleJson(rf.schema, firstWord(said)));
    else if (rf?.type === 'json_object') text = JSON.stringify({ simulated: true, echo: said });
    else if (endsWithToolResult(req))
      text =
        'This is a simulated answer from Penny: the tool results were received (no provider is configured, so no model read them).';
    else
      text = `This is a simulated answer from Penny: no provider is configured, so nothing was sent to a model. You said: "${said}". Set OPENAI_API_KEY or ANTHROPIC_API_KEY (or add a provider to penny.config.yaml) to get real answers.`;
    let raw: 'stop' | 'length' = 'stop';
    outTokens = countOutputTokens(text, req.model).tokens;
    const cap = req.maxTokens;
    if (cap !== undefined && outTokens > cap && rf?.type !== 'json_schema') {
      const words = text.split(' ');
      text = words.slice(0, Math.max(1, Math.floor((words.length * cap) / outTokens))).join(' ');
      outTokens = Math.min(cap, countOutputTokens(text, req.model).tokens);
      raw = 'length';
    }
    content = [{ type: 'text', text }];
    finish = { unified: raw, raw };
  }
  const input = countRequestTokens(req, req.model);
  const n = Math.max(1, req.n ?? 1);
  const logprobs = req.logprobs && tool === undefined ? logprobsFor(text, req.topLogprobs ?? 0) : undefined;
  return {
    id: `sim-${randomUUID()}`,
    model: req.model,
    created: Math.floor(now / 1000),
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      content: content.map((p) => ({ ...p })),
      finish,
      ...(logprobs !== undefined ? { logprobs } : {}),
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
