/**
 * The scope of a semantic lookup: a cached answer may only be reused for the same model family, the
 * same system prompt, the same tools and output format, the same conversation before the last user turn
 * and the same namespace (tenant / feature). The hashes are sha256 over stable JSON (sorted keys), and
 * `cacheControl` markers are left out because they change what is billed, not what is answered.
 */
import { hash } from 'node:crypto';
import type { CanonicalRequest, ContentPart, Message } from '../../../core/request.js';

export interface SemanticScope {
  modelFamily: string;
  systemHash: string;
  toolsHash: string;
  prefixHash: string;
  /** Tenant / key / feature namespace; entries never cross namespaces. */
  namespace: string;
}

/**
 * JSON with object keys sorted at every level and `cacheControl` fields dropped. Built by appending to one
 * string (no per-level filter/map/join arrays): every cacheable request's key goes through it.
 */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const v: unknown = value[i];
      out += v === undefined ? 'null' : stableJson(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || k === 'cacheControl') continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${stableJson(v)}`;
  }
  return `${out}}`;
}

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * The family of a model id: provider prefix and date or version suffixes removed, so that
 * "gpt-4o-2024-08-06" and "gpt-4o" share answers but "gpt-4o" and "gpt-4o-mini" do not.
 */
export function modelFamily(model: string): string {
  let m = model.trim().toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash >= 0) m = m.slice(slash + 1);
  m = m.replace(/@.*$/, '');
  m = m.replace(/-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest|preview)$/, '');
  return m;
}

function lastUserMessage(req: CanonicalRequest): Message | null {
  const last = req.messages[req.messages.length - 1];
  return last !== undefined && last.role === 'user' ? last : null;
}

/**
 * The text of the last user turn, or null when the request is not semantically cacheable: the last
 * message is not from the user, or it holds anything but text (images, tool results, raw parts).
 */
export function lastUserText(req: CanonicalRequest): string | null {
  const last = lastUserMessage(req);
  if (last === null || last.content.length === 0) return null;
  const texts: string[] = [];
  for (const part of last.content as ContentPart[]) {
    if (part.type !== 'text') return null;
    texts.push(part.text);
  }
  const text = texts.join('\n').trim();
  return text.length > 0 ? text : null;
}

/** The scope hashes of a canonical request (see the module comment). */
export function scopeFromRequest(req: CanonicalRequest, namespace: string): SemanticScope {
  const last = lastUserMessage(req);
  const before = last === null ? req.messages : req.messages.slice(0, -1);
  return {
    modelFamily: modelFamily(req.model),
    systemHash: sha256Hex(stableJson(req.system.map((p) => p.text))),
    toolsHash: sha256Hex(
      stableJson({
        tools: req.tools ?? [],
        toolChoice: req.toolChoice ?? null,
        format: req.responseFormat ?? null,
      }),
    ),
    prefixHash: sha256Hex(
      stableJson(before.map((m) => ({ role: m.role, content: m.content, name: m.name ?? null }))),
    ),
    namespace,
  };
}

/** The index partition key of a scope. */
export function scopeKey(scope: SemanticScope): string {
  return JSON.stringify([
    scope.namespace,
    scope.modelFamily,
    scope.systemHash,
    scope.toolsHash,
    scope.prefixHash,
  ]);
}
