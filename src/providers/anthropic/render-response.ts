/**
 * The canonical response → an Anthropic `message` for a client. Only choice 0 is rendered (Anthropic
 * has no `n`). Usage is rebuilt from canonical counts so `input_tokens` is the uncached part only; for an
 * Anthropic upstream the fields Penny does not model (service_tier, server_tool_use …) are kept.
 */
import type { CanonicalRequest } from '../../core/request.js';
import type { CanonicalResponse } from '../../core/response.js';
import { emptyUsage } from '../../core/usage.js';
import { renderUsage } from './convert-usage.js';
import { toAnthropicStopReason } from './map-stop-reason.js';
import { renderPart } from './render-content.js';
import { isRecord, type Json } from './wire.js';
import { ownCopy } from '../../core/own-copy.js';

/** A message id as Anthropic clients expect it (`msg_…`). */
export function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

export function renderResponse(res: CanonicalResponse, req: CanonicalRequest): Json {
  const same = res.sourceDialect === 'anthropic';
  const choice = res.choices.find((c) => c.index === 0) ?? res.choices[0];
  const content: Json[] = [];
  if (choice) {
    for (let i = 0; i < choice.content.length; i++) {
      const b = renderPart(choice.content[i]!, `choices[0].content[${i}]`, true);
      if (b) content.push(b);
    }
    if (choice.refusal && !content.some((b) => b.type === 'text'))
      content.push({ type: 'text', text: choice.refusal });
  }
  const stopSequence = res.stopSequence ?? null;
  const usage = renderUsage(res.usage ?? emptyUsage());
  const out: Json = same && res.extra ? ownCopy(res.extra) : {};
  out.id = messageId(res.id);
  out.type = 'message';
  out.role = 'assistant';
  out.model = res.model || req.model;
  out.content = content;
  out.stop_reason = choice ? toAnthropicStopReason(choice.finish, stopSequence) : 'end_turn';
  out.stop_sequence = stopSequence;
  out.usage =
    same && res.usage && isRecord(res.usage.raw) ? Object.assign(ownCopy(res.usage.raw), usage) : usage;
  return out;
}
