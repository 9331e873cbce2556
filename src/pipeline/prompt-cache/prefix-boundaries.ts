/**
 * The places a prompt-cache breakpoint can go, in the order providers hash a prompt (tools → system →
 * messages): after the last tool, after the system prompt, and after each of the last few messages. Each
 * boundary carries the estimated tokens before it (characters / 4) and a hash of everything before it, so
 * the same prefix is recognised across requests. Whether the block at a boundary can carry a marker and
 * whether the caller marked it already are recorded too.
 */
import { createHash, type Hash } from 'node:crypto';
import type { CacheControl, CanonicalRequest, ContentPart } from '../../core/request.js';

export type BoundaryKind = 'tools' | 'system' | 'message';

export interface Boundary {
  kind: BoundaryKind;
  /** Message index for `message`; tool / system part index otherwise. */
  index: number;
  /** Estimated tokens of the prefix up to and including this boundary's block. */
  tokens: number;
  hash: string;
  /** The block here can carry `cache_control`. */
  markable: boolean;
  /** The caller already put a marker on this block. */
  marked: boolean;
}

export interface PrefixScan {
  boundaries: Boundary[];
  /** Markers the caller placed anywhere (they count against the limit of 4). */
  clientMarkers: Array<{ position: number; ttl: '5m' | '1h' }>;
  totalTokens: number;
}

/** Message boundaries tracked from the end of the conversation. */
const TRACKED_MESSAGES = 4;
const IMAGE_TOKENS = 1000;

function partChars(p: ContentPart): number {
  switch (p.type) {
    case 'text':
    case 'reasoning':
      return p.text.length;
    case 'image':
      return IMAGE_TOKENS * 4;
    case 'tool_call':
      return p.name.length + p.arguments.length;
    case 'tool_result':
      return typeof p.content === 'string'
        ? p.content.length
        : p.content.reduce((n, c) => n + (c.type === 'text' ? c.text.length : IMAGE_TOKENS * 4), 0);
    case 'raw':
      return JSON.stringify(p.value ?? null).length;
  }
}

function markerOf(p: ContentPart | undefined): CacheControl | undefined {
  return p && p.type !== 'reasoning' && p.type !== 'raw' ? p.cacheControl : undefined;
}

export function isMarkable(p: ContentPart | undefined): boolean {
  return (
    p !== undefined &&
    (p.type === 'text' || p.type === 'image' || p.type === 'tool_call' || p.type === 'tool_result')
  );
}

function digest(h: Hash): string {
  return h.copy().digest('hex').slice(0, 32);
}

export function scanPrefix(req: CanonicalRequest): PrefixScan {
  const h = createHash('sha256');
  h.update(req.model);
  let chars = 0;
  const boundaries: Boundary[] = [];
  const clientMarkers: PrefixScan['clientMarkers'] = [];
  let position = 0;
  const noteMarker = (cc: CacheControl | undefined) => {
    if (cc) clientMarkers.push({ position, ttl: cc.ttl ?? '5m' });
    position++;
  };

  const tools = req.tools ?? [];
  for (const t of tools) {
    const json = JSON.stringify({ ...t, cacheControl: undefined });
    h.update(json);
    chars += json.length;
    noteMarker(t.cacheControl);
  }
  if (tools.length) {
    const last = tools[tools.length - 1]!;
    boundaries.push({
      kind: 'tools',
      index: tools.length - 1,
      tokens: Math.ceil(chars / 4),
      hash: digest(h),
      markable: true,
      marked: last.cacheControl !== undefined,
    });
  }
  h.update('\u0000system');
  for (const p of req.system) {
    h.update(p.text);
    chars += p.text.length;
    noteMarker(p.cacheControl);
  }
  if (req.system.length) {
    const last = req.system[req.system.length - 1]!;
    boundaries.push({
      kind: 'system',
      index: req.system.length - 1,
      tokens: Math.ceil(chars / 4),
      hash: digest(h),
      markable: true,
      marked: last.cacheControl !== undefined,
    });
  }
  const firstTracked = Math.max(0, req.messages.length - TRACKED_MESSAGES);
  req.messages.forEach((m, i) => {
    h.update(`\u0000${m.role}`);
    for (const p of m.content) {
      h.update(JSON.stringify({ ...p, cacheControl: undefined }));
      chars += partChars(p);
      noteMarker(markerOf(p));
    }
    if (i < firstTracked) return;
    const last = m.content[m.content.length - 1];
    boundaries.push({
      kind: 'message',
      index: i,
      tokens: Math.ceil(chars / 4),
      hash: digest(h),
      markable: m.role !== 'system' && isMarkable(last),
      marked: markerOf(last) !== undefined,
    });
  });
  return { boundaries, clientMarkers, totalTokens: Math.ceil(chars / 4) };
}

/** Position of a boundary's block in the tools → system → message-parts order (to order markers). */
export function boundaryPosition(req: CanonicalRequest, b: Boundary): number {
  const tools = req.tools?.length ?? 0;
  if (b.kind === 'tools') return b.index;
  if (b.kind === 'system') return tools + b.index;
  let pos = tools + req.system.length;
  for (let i = 0; i < b.index; i++) pos += req.messages[i]!.content.length;
  return pos + req.messages[b.index]!.content.length - 1;
}
