/**
 * One stored exchange → one line of OpenAI's chat fine-tuning JSONL:
 * `{"messages":[system…, user…, assistant…], "tools":[…]}`. The OpenAI codec renders the conversation, so a
 * request that arrived in Anthropic's format comes out in OpenAI's shape too (tool_use → tool_calls,
 * tool_result → role "tool"). Only the fields the fine-tuning format knows are kept; a "developer"
 * instruction becomes "system".
 */
import type { CanonicalRequest } from '../core/request.js';
import type { CanonicalResponse } from '../core/response.js';
import { CODECS } from '../providers/codecs.js';

export interface FinetuneMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content?: unknown;
  name?: string;
  tool_calls?: unknown;
  tool_call_id?: string;
}

export interface FinetuneExample {
  messages: FinetuneMessage[];
  tools?: unknown[];
  parallel_tool_calls?: boolean;
}

const MESSAGE_FIELDS = ['content', 'name', 'tool_calls', 'tool_call_id'] as const;

/** The example, or null when the answer holds neither text nor tool calls. */
export function toFinetuneExample(req: CanonicalRequest, res: CanonicalResponse): FinetuneExample | null {
  const wire = CODECS.openai.renderRequest(req, { model: req.model, forceStreamUsage: false });
  const rendered = CODECS.openai.renderResponse(res, req) as {
    choices?: Array<{ message?: Record<string, unknown> }>;
  };
  const answer = rendered.choices?.[0]?.message;
  if (!answer) return null;
  const assistant = pickMessage({ ...answer, role: 'assistant' });
  const hasText = typeof assistant.content === 'string' && assistant.content.length > 0;
  const hasTools = Array.isArray(assistant.tool_calls) && assistant.tool_calls.length > 0;
  if (!hasText && !hasTools) return null;
  if (!hasText) delete assistant.content;
  const history = Array.isArray(wire.messages) ? (wire.messages as Record<string, unknown>[]) : [];
  const example: FinetuneExample = { messages: [...history.map(pickMessage), assistant] };
  if (Array.isArray(wire.tools) && wire.tools.length > 0) example.tools = wire.tools;
  if (typeof wire.parallel_tool_calls === 'boolean') example.parallel_tool_calls = wire.parallel_tool_calls;
  return example;
}

function pickMessage(m: Record<string, unknown>): FinetuneMessage {
  const role = m.role === 'developer' ? 'system' : (m.role as FinetuneMessage['role']);
  const out: FinetuneMessage = { role };
  for (const k of MESSAGE_FIELDS) {
    const v = m[k];
    if (v !== undefined && v !== null) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
