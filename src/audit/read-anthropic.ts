/**
 * Anthropic log lines → audit records: `{request, response, timestamp?, metadata?}` lines with Messages
 * shapes, and Message Batches input (`{custom_id, params}`) / result (`{custom_id, result}`) lines.
 * Anthropic's `input_tokens` EXCLUDES cache reads and writes; they are added as their own kinds.
 */
import type { Usage } from '../core/usage.js';
import { type Obj, count, isDeferrable, obj, str, timestamp } from './json-shape.js';
import { type BatchPairing, type LineResult, completeUsage, estimatedUsage } from './line-result.js';
import { anthropicLogUsage } from './log-usage.js';
import { type PromptScan, outputChars, scanAnthropicPrompt } from './message-text.js';

export function looksAnthropic(o: Obj): boolean {
  const req = obj(o.request);
  const res = obj(o.response);
  if (req && res) {
    if (res.type === 'message' || Array.isArray(res.content)) return true;
    const u = obj(res.usage);
    if (u && 'input_tokens' in u && !('prompt_tokens' in u) && !Array.isArray(res.output)) return true;
    return typeof req.model === 'string' && req.model.startsWith('claude');
  }
  return typeof o.custom_id === 'string' && (obj(o.params) !== undefined || obj(o.result) !== undefined);
}

/** Anthropic usage → canonical usage, with the Anthropic provider module's converter (see log-usage.ts). */
export const anthropicUsage = anthropicLogUsage;

function who(line: Obj, req: Obj): { feature: string | null; user: string | null; meta: Obj | undefined } {
  const meta = obj(line.metadata);
  const reqMeta = obj(req.metadata);
  const feature = str(meta?.feature) ?? str(line.feature) ?? null;
  const user = str(meta?.user) ?? str(meta?.user_id) ?? str(line.user) ?? str(reqMeta?.user_id) ?? null;
  return { feature, user, meta };
}

function scanRequest(req: Obj, model: string): PromptScan | null {
  if (!Array.isArray(req.messages)) return null;
  return scanAnthropicPrompt(model, req.system, req.messages, req.tools);
}

export function parseAnthropicLine(line: Obj, lineNo: number, pairing: BatchPairing): LineResult {
  if (typeof line.custom_id === 'string' && obj(line.params)) {
    const params = obj(line.params)!;
    const model = str(params.model);
    if (!model) return { kind: 'malformed', reason: 'batch request line without params.model' };
    const scan = scanRequest(params, model);
    if (!scan) return { kind: 'malformed', reason: 'batch request line without params.messages' };
    const w = who(line, params);
    pairing.put(line.custom_id, {
      model,
      maxTokens: count(params.max_tokens) ?? null,
      scan,
      feature: w.feature,
      user: w.user,
    });
    return { kind: 'skip', reason: 'batch input line (priced with its output line)' };
  }

  let req = obj(line.request);
  let res = obj(line.response);
  let batch = false;
  const batchInput = typeof line.custom_id === 'string' ? pairing.take(line.custom_id) : undefined;
  const result = obj(line.result);
  if (typeof line.custom_id === 'string' && result) {
    batch = true;
    if (result.type !== 'succeeded') return { kind: 'skip', reason: 'error response (not billed)' };
    res = obj(result.message);
    req ??= {};
  }
  if (!req || !res) return { kind: 'malformed', reason: 'expected "request" and "response" objects' };
  if (res.type === 'error' || res.error !== undefined)
    return { kind: 'skip', reason: 'error response (not billed)' };

  const model = str(res.model) ?? str(req.model) ?? batchInput?.model;
  if (!model) return { kind: 'malformed', reason: 'no model in request or response' };
  // Hash with the model asked for, so one prompt served by different snapshots is still one prompt.
  const scan = scanRequest(req, str(req.model) ?? model) ?? batchInput?.scan ?? null;
  const usageObj = obj(res.usage);
  let usage: Usage;
  if (usageObj) {
    const missing = {
      input: count(usageObj.input_tokens) === undefined,
      output: count(usageObj.output_tokens) === undefined,
    };
    usage = completeUsage(anthropicUsage(usageObj), missing, scan?.inputChars, outputChars(res.content));
  } else {
    if (!scan) return { kind: 'malformed', reason: 'no usage and no messages to estimate from' };
    usage = estimatedUsage(scan.inputChars, outputChars(res.content));
  }
  if (usageObj && res.service_tier === 'batch') batch = true;
  const w = who(line, req);
  const feature = w.feature ?? batchInput?.feature ?? null;
  return {
    kind: 'record',
    record: {
      line: lineNo,
      format: 'anthropic',
      ts: timestamp(line.timestamp ?? line.ts ?? line.created_at),
      feature,
      user: w.user ?? batchInput?.user ?? null,
      provider: 'anthropic',
      model,
      usage,
      maxTokens: count(req.max_tokens) ?? batchInput?.maxTokens ?? null,
      truncated: res.stop_reason === 'max_tokens',
      batch,
      deferrable: !batch && isDeferrable(w.meta, feature),
      promptKey: scan?.promptKey ?? null,
      prompt: scan?.prompt ?? null,
    },
  };
}
