/**
 * CanonicalResponse → an OpenAI Responses API `response` object for a client, whoever served it. The
 * request's settings are echoed back as OpenAI does (instructions, tools, text format, reasoning …); ids
 * of a response not produced by an OpenAI Responses upstream are derived from the upstream's id, so the
 * same answer always gets the same `resp_…` id.
 */
import type { CanonicalRequest, ContentPart, ToolDef } from '../../core/request.js';
import type { CanonicalResponse, Choice, Finish } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { JsonObject } from '../openai/wire-guards.js';
import { renderResponsesUsage } from './convert-usage.js';
import { ownCopy } from '../../core/own-copy.js';

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 120);
}

export function responseIdOf(id: string): string {
  return id.startsWith('resp_') ? id : `resp_${safeId(id) || Date.now().toString(36)}`;
}

export function messageIdOf(responseId: string, n: number): string {
  return `msg_${safeId(responseId.replace(/^resp_/, ''))}${n ? `_${n}` : ''}`;
}

export function functionCallIdOf(callId: string): string {
  return `fc_${safeId(callId)}`;
}

export function outputTextPart(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/** Status and incomplete details of a response that ended with `finish`. */
export function statusOf(finish: Finish | undefined): { status: string; incomplete: JsonObject | null } {
  if (finish?.unified === 'length')
    return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finish?.unified === 'content_filter')
    return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/** Output items of a choice, in the order the model produced them. */
export function outputItems(choice: Choice | undefined, responseId: string, status: string): JsonObject[] {
  const items: JsonObject[] = [];
  let text: string | null = null;
  let messages = 0;
  const itemStatus = status === 'incomplete' ? 'incomplete' : 'completed';
  const flush = (refusal?: string) => {
    if (text === null && refusal === undefined) return;
    const content: JsonObject[] = [];
    if (text !== null) content.push(outputTextPart(text));
    if (refusal !== undefined) content.push({ type: 'refusal', refusal });
    items.push({
      type: 'message',
      id: messageIdOf(responseId, messages++),
      status: itemStatus,
      role: 'assistant',
      content,
    });
    text = null;
  };
  for (const p of choice?.content ?? ([] as ContentPart[])) {
    if (p.type === 'text') text = (text ?? '') + p.text;
    else if (p.type === 'tool_call') {
      flush();
      items.push({
        type: 'function_call',
        id: functionCallIdOf(p.id),
        call_id: p.id,
        name: p.name,
        arguments: p.arguments,
        status: 'completed',
      });
    } else if (p.type === 'raw' && p.dialect === 'responses') {
      flush();
      items.push(p.value as JsonObject);
    }
  }
  flush(choice?.refusal ?? undefined);
  return items;
}

function renderTool(t: ToolDef): unknown {
  if (t.raw !== undefined) return t.raw.dialect === 'responses' ? t.raw.value : undefined;
  return {
    type: 'function',
    name: t.name,
    description: t.description ?? null,
    parameters: t.parameters,
    strict: t.strict ?? true,
  };
}

/** The request settings OpenAI echoes in every response object (also in stream snapshots). */
export function echoOf(req: CanonicalRequest): JsonObject {
  const rf = req.responseFormat;
  const format: JsonObject =
    rf === undefined
      ? { type: 'text' }
      : rf.type === 'json_schema'
        ? {
            type: 'json_schema',
            name: rf.name,
            schema: rf.schema,
            strict: rf.strict ?? false,
            ...(rf.description !== undefined ? { description: rf.description } : {}),
          }
        : { type: rf.type };
  let instructions: string | null = null;
  if (req.system.length) instructions = req.system.map((p) => p.text).join('');
  const extraText = req.dialect === 'responses' ? (req.extra.text as JsonObject | undefined) : undefined;
  const tc = req.toolChoice;
  return {
    instructions,
    max_output_tokens: req.maxTokens ?? null,
    parallel_tool_calls: req.parallelToolCalls ?? true,
    previous_response_id: req.conversation?.previousResponseId ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: null },
    store: req.conversation?.store ?? true,
    temperature: req.temperature ?? 1,
    text: Object.assign(ownCopy(extraText), { format }),
    tool_choice:
      tc === undefined ? 'auto' : tc.type === 'tool' ? { type: 'function', name: tc.name } : tc.type,
    tools: (req.tools ?? []).map(renderTool).filter((t) => t !== undefined),
    top_p: req.topP ?? 1,
    truncation: 'disabled',
    ...(req.user !== undefined ? { user: req.user } : {}),
    metadata: req.metadata ?? {},
  };
}

export function responseObject(
  parts: {
    id: string;
    model: string;
    createdAt: number;
    status: string;
    incomplete: JsonObject | null;
    output: JsonObject[];
    usage: Usage | null;
    completedAt: number | null;
  },
  req: CanonicalRequest,
): JsonObject {
  return {
    id: parts.id,
    object: 'response',
    created_at: parts.createdAt,
    status: parts.status,
    completed_at: parts.completedAt,
    error: null,
    incomplete_details: parts.incomplete,
    model: parts.model,
    output: parts.output,
    ...echoOf(req),
    // OpenAI sends `usage: null` in stream snapshots, but its spec says object-or-absent: leave it out.
    ...(parts.usage === null ? {} : { usage: renderResponsesUsage(parts.usage) }),
  };
}

export function renderResponse(res: CanonicalResponse, req: CanonicalRequest): Record<string, unknown> {
  const id = responseIdOf(res.id);
  const choice = res.choices[0];
  const { status, incomplete } = statusOf(choice?.finish);
  const created = res.created;
  return responseObject(
    {
      id,
      model: res.model || req.model,
      createdAt: created,
      status,
      incomplete,
      output: outputItems(choice, id, status),
      usage: res.usage,
      completedAt: status === 'completed' ? created : null,
    },
    req,
  );
}
