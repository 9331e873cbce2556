/**
 * Prompt tokens of a canonical request before it is sent. For OpenAI models this follows the cookbook's
 * chat format — each message costs 3 tokens plus its role and content, a `name` adds 1, and every
 * request is primed with 3 more — so the count matches `prompt_tokens` for text-only chats (system
 * "You are a helpful assistant." + user "Hello, how are you?" on gpt-4o = 23). Tool calls, images, raw
 * parts and JSON schemas have no published rule and make the count inexact. For other models the same
 * structure is counted with o200k_base, text is scaled by the family factor, and Anthropic's hidden
 * tool-use system prompt is added when tools are present.
 */
import type { CanonicalRequest, ContentPart, ToolDef } from '../core/request.js';
import { countWithEncoding } from './encoders.js';
import { encodingForModel } from './encoding-for-model.js';
import { type EstimateProfile, estimateMethod, estimateProfile } from './estimate-profile.js';
import { imageTokens } from './image-tokens.js';
import type { OpenAiEncoding, TokenCount } from './token-count.js';
import { openAiToolTokens } from './tool-tokens.js';

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** Running totals: `text` is scaled by the calibration factor for estimates, `fixed` is not. */
interface Tally {
  text: number;
  fixed: number;
  exact: boolean;
}

export function countRequestTokens(
  req: CanonicalRequest,
  model: string = req.model,
  opts: { upperBound?: boolean } = {},
): TokenCount {
  const encoding = encodingForModel(model);
  const enc: OpenAiEncoding = encoding ?? 'o200k_base';
  // Upper bound without the tokenizer: every BPE token spans at least one byte of UTF-8.
  const count = opts.upperBound
    ? (s: string) => Buffer.byteLength(s, 'utf8')
    : (s: string) => countWithEncoding(s, enc);
  const profile = encoding === null ? estimateProfile(model) : undefined;
  const t = tally(req, model, encoding, profile, count);
  if (opts.upperBound) t.exact = false;
  return finish(t, encoding, profile);
}

/**
 * `countRequestTokens` in two halves, for a caller that counts the texts itself (a slice at a time,
 * tokens/estimate-tokens.ts): the texts to count with `encoding`, in order, and the request's tokens given
 * the sum of their counts — the same number `countRequestTokens` gives.
 */
export interface RequestCountPlan {
  encoding: OpenAiEncoding;
  texts: string[];
  tokens(textTokens: number): number;
}

export function planRequestCount(req: CanonicalRequest, model: string = req.model): RequestCountPlan {
  const encoding = encodingForModel(model);
  const profile = encoding === null ? estimateProfile(model) : undefined;
  const texts: string[] = [];
  const t = tally(req, model, encoding, profile, (s) => {
    if (s.length > 0) texts.push(s);
    return 0;
  });
  return {
    encoding: encoding ?? 'o200k_base',
    texts,
    tokens: (textTokens) =>
      finish({ text: textTokens, fixed: t.fixed, exact: t.exact }, encoding, profile).tokens,
  };
}

/**
 * The request's structure counted, its texts counted by `count` (which the totals only ever add up);
 * `profile` is `model`'s estimate profile when it has no OpenAI encoding.
 */
function tally(
  req: CanonicalRequest,
  model: string,
  encoding: OpenAiEncoding | null,
  profile: EstimateProfile | undefined,
  count: (s: string) => number,
): Tally {
  const t: Tally = { text: 0, fixed: 0, exact: encoding !== null };
  const anthropicImages = profile?.anthropicImages === true;

  if (req.system.length > 0) {
    t.fixed += TOKENS_PER_MESSAGE;
    t.text += count(req.systemRole ?? 'system');
    t.text += count(joinText(req.system));
  }
  for (const msg of req.messages) {
    t.fixed += TOKENS_PER_MESSAGE;
    t.text += count(msg.role);
    if (msg.name !== undefined && msg.name !== '') {
      t.text += count(msg.name);
      t.fixed += TOKENS_PER_NAME;
    }
    countParts(msg.content, t, count, model, anthropicImages);
  }
  t.fixed += REPLY_PRIMING;

  if (req.tools !== undefined && req.tools.length > 0) {
    if (encoding !== null) {
      // Fixed: OpenAI encodings add text and fixed unscaled, so with a plan's recording `count` (0 each)
      // this is the formula's constants and the tools' texts are counted with the rest.
      const r = openAiToolTokens(req.tools, encoding, count);
      t.fixed += r.tokens;
      if (!r.exact) t.exact = false;
    } else {
      for (const tool of req.tools) t.text += count(toolJson(tool));
      if (profile?.toolPrompt !== undefined) {
        const forced = req.toolChoice?.type === 'required' || req.toolChoice?.type === 'tool';
        t.fixed += forced ? profile.toolPrompt.forced : profile.toolPrompt.auto;
      }
    }
  }
  if (req.responseFormat?.type === 'json_schema') {
    t.text += count(JSON.stringify(req.responseFormat.schema));
    t.exact = false;
  }
  return t;
}

function finish(t: Tally, encoding: OpenAiEncoding | null, profile: EstimateProfile | undefined): TokenCount {
  if (encoding !== null)
    return { tokens: t.text + t.fixed, exact: t.exact, method: `openai-chat:${encoding}` };
  const p = profile as EstimateProfile;
  return { tokens: Math.ceil(t.text * p.factor) + t.fixed, exact: false, method: estimateMethod(p) };
}

function joinText(parts: ReadonlyArray<{ text: string }>): string {
  if (parts.length === 1) return parts[0]?.text ?? '';
  let s = '';
  for (const p of parts) s += p.text;
  return s;
}

function countParts(
  parts: ContentPart[],
  t: Tally,
  count: (s: string) => number,
  model: string,
  anthropicImages: boolean,
): void {
  // Adjacent text parts are rendered as one string, so they are counted together.
  let text = '';
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        text += part.text;
        break;
      case 'image':
        t.fixed += imageTokens(part, model, anthropicImages).tokens;
        t.exact = false;
        break;
      case 'tool_call':
        t.text += count(part.name) + count(part.arguments);
        t.exact = false;
        break;
      case 'tool_result':
        if (typeof part.content === 'string') text += part.content;
        else countParts(part.content, t, count, model, anthropicImages);
        break;
      case 'reasoning':
        t.text += count(part.text);
        t.exact = false;
        break;
      case 'raw':
        t.text += count(JSON.stringify(part.value) ?? '');
        t.exact = false;
        break;
    }
  }
  if (text !== '') t.text += count(text);
}

function toolJson(tool: ToolDef): string {
  if (tool.raw !== undefined) return JSON.stringify(tool.raw.value) ?? '';
  return JSON.stringify({
    name: tool.name,
    description: tool.description ?? '',
    input_schema: tool.parameters,
  });
}
