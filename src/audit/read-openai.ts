/**
 * OpenAI log lines → audit records. Reads `{request, response, timestamp?, metadata?}` lines (Chat
 * Completions; Responses API usage accepted too) and the Batch API's input/output lines. OpenAI's
 * `prompt_tokens` INCLUDES cached tokens, so uncached input = prompt − cached − cache writes.
 */
import type { Usage } from '../core/usage.js';
import { type Obj, count, isDeferrable, isObj, obj, str, timestamp } from './json-shape.js';
import { type BatchPairing, type LineResult, completeUsage, estimatedUsage } from './line-result.js';
import { openAiLogUsage } from './log-usage.js';
import { type PromptScan, outputChars, scanOpenAiPrompt } from './message-text.js';

/** True when the object looks like an OpenAI line (used by detection). */
export function looksOpenAi(o: Obj): boolean {
  const req = obj(o.request);
  const res = obj(o.response);
  if (req && res) {
    if (typeof req.model === 'string' && req.model.startsWith('claude')) return false;
    if (res.object === 'chat.completion' || Array.isArray(res.choices) || Array.isArray(res.output))
      return true;
    const u = obj(res.usage);
    if (u && ('prompt_tokens' in u || 'completion_tokens' in u)) return true;
    return Array.isArray(req.messages) && req.system === undefined && res.type !== 'message';
  }
  if (typeof o.custom_id === 'string') {
    const body = obj(res?.body) ?? obj(o.body);
    return body !== undefined && !('params' in o) && !('result' in o);
  }
  return false;
}

/** OpenAI usage → canonical usage, with the OpenAI provider module's converter (see log-usage.ts). */
export const openAiUsage = openAiLogUsage;

function who(line: Obj, req: Obj): { feature: string | null; user: string | null; meta: Obj | undefined } {
  const meta = obj(line.metadata) ?? obj(req.metadata);
  const feature = str(meta?.feature) ?? str(line.feature) ?? null;
  const user = str(meta?.user) ?? str(meta?.user_id) ?? str(line.user) ?? str(req.user) ?? null;
  return { feature, user, meta };
}

function scanRequest(req: Obj, model: string): PromptScan | null {
  if (Array.isArray(req.messages)) return scanOpenAiPrompt(model, req.messages, req.tools);
  if (typeof req.input === 'string')
    return scanOpenAiPrompt(model, [{ role: 'user', content: req.input }], req.tools);
  if (Array.isArray(req.input)) return scanOpenAiPrompt(model, req.input, req.tools);
  return null;
}

function answerText(res: Obj): unknown {
  const choices = res.choices;
  if (Array.isArray(choices) && isObj(choices[0])) return obj(choices[0].message)?.content;
  return undefined;
}

export function parseOpenAiLine(line: Obj, lineNo: number, pairing: BatchPairing): LineResult {
  // Batch API input line: remember it for its output line.
  if (typeof line.custom_id === 'string' && isObj(line.body) && line.response === undefined) {
    const body = line.body;
    const model = str(body.model);
    if (!model) return { kind: 'malformed', reason: 'batch input line without body.model' };
    const scan = scanRequest(body, model);
    if (!scan) return { kind: 'malformed', reason: 'batch input line without body.messages' };
    const w = who(line, body);
    pairing.put(line.custom_id, {
      model,
      maxTokens: count(body.max_tokens) ?? count(body.max_completion_tokens) ?? null,
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
  if (typeof line.custom_id === 'string' && res && 'status_code' in res) {
    batch = true;
    const status = count(res.status_code);
    if (status !== 200) return { kind: 'skip', reason: 'error response (not billed)' };
    res = obj(res.body);
    req ??= {};
  }
  if (!req || !res) return { kind: 'malformed', reason: 'expected "request" and "response" objects' };
  if (res.error !== undefined && res.error !== null)
    return { kind: 'skip', reason: 'error response (not billed)' };

  const model = str(res.model) ?? str(req.model) ?? batchInput?.model;
  if (!model) return { kind: 'malformed', reason: 'no model in request or response' };
  // Hash with the model asked for, so one prompt served by different snapshots is still one prompt.
  const scan = scanRequest(req, str(req.model) ?? model) ?? batchInput?.scan ?? null;
  const usageObj = obj(res.usage);
  let usage: Usage;
  if (usageObj) {
    const missing = {
      input: (count(usageObj.prompt_tokens) ?? count(usageObj.input_tokens)) === undefined,
      output: (count(usageObj.completion_tokens) ?? count(usageObj.output_tokens)) === undefined,
    };
    usage = completeUsage(openAiUsage(usageObj), missing, scan?.inputChars, outputChars(answerText(res)));
  } else {
    if (!scan) return { kind: 'malformed', reason: 'no usage and no messages to estimate from' };
    usage = estimatedUsage(scan.inputChars, outputChars(answerText(res)));
  }
  const w = who(line, req);
  const choices = res.choices;
  const finish = Array.isArray(choices) && isObj(choices[0]) ? choices[0].finish_reason : res.status;
  const feature = w.feature ?? batchInput?.feature ?? null;
  return {
    kind: 'record',
    record: {
      line: lineNo,
      format: 'openai',
      ts: timestamp(line.timestamp ?? line.ts ?? line.created_at ?? res.created ?? res.created_at),
      feature,
      user: w.user ?? batchInput?.user ?? null,
      provider: 'openai',
      model,
      usage,
      maxTokens:
        count(req.max_tokens) ??
        count(req.max_completion_tokens) ??
        count(req.max_output_tokens) ??
        batchInput?.maxTokens ??
        null,
      truncated: finish === 'length' || finish === 'incomplete',
      batch,
      deferrable: !batch && isDeferrable(w.meta, feature),
      promptKey: scan?.promptKey ?? null,
      prompt: scan?.prompt ?? null,
    },
  };
}
