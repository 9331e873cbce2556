/**
 * Where Penny puts Anthropic `cache_control` breakpoints, as pure functions. With the caller's own markers
 * counted against the limit of 4 (and left untouched), in priority order:
 *   1. the longest prefix seen before (reuse evidence) — reads what an earlier request wrote;
 *   2. the end of the prompt, when that longest prefix lies inside the conversation (a chat that keeps
 *      growing: the next turn reads it);
 *   3. the system prompt and 4. the tools, when seen before (shared by every conversation of a feature).
 * Only prefixes at or above the model's minimum are marked. TTLs come from each prefix's reuse; a 1-hour
 * breakpoint must precede every 5-minute one, so TTLs are then made monotonic with the caller's markers.
 */
import type { CacheControl, CanonicalRequest, ContentPart, Message } from '../../core/request.js';
import { type Boundary, type BoundaryKind, type PrefixScan, boundaryPosition } from './prefix-boundaries.js';
import { type CacheTtl, type PrefixStats, chooseTtl } from './reuse-tracker.js';

export const MAX_BREAKPOINTS = 4;

export interface Placement {
  kind: BoundaryKind;
  index: number;
  tokens: number;
  ttl: CacheTtl;
  reason: 'reused' | 'conversation' | 'static';
}

export interface PlanInput {
  req: CanonicalRequest;
  scan: PrefixScan;
  /** Stats per boundary hash, observed before this request. */
  stats: ReadonlyMap<string, PrefixStats>;
  minTokens: number;
  warmup: number;
}

export function planBreakpoints(input: PlanInput): Placement[] {
  const { req, scan, stats, minTokens, warmup } = input;
  if (req.cacheControl) return []; // the caller asked for automatic caching
  let free = MAX_BREAKPOINTS - scan.clientMarkers.length;
  if (free <= 0) return [];
  const eligible = scan.boundaries.filter((b) => b.markable && !b.marked && b.tokens >= minTokens);
  if (eligible.length === 0) return [];
  const reused = (b: Boundary) => (stats.get(b.hash)?.seen ?? 0) >= warmup;
  const chosen: Array<{ b: Boundary; reason: Placement['reason'] }> = [];
  const take = (b: Boundary | undefined, reason: Placement['reason']) => {
    if (!b || free <= 0 || chosen.some((c) => c.b === b)) return;
    chosen.push({ b, reason });
    free--;
  };
  const longest = [...eligible].reverse().find(reused);
  take(longest, 'reused');
  const end = eligible[eligible.length - 1];
  if (longest?.kind === 'message' && end && end !== longest && end.index === req.messages.length - 1)
    take(end, 'conversation');
  const system = eligible.find((b) => b.kind === 'system');
  if (system && reused(system)) take(system, 'static');
  const tools = eligible.find((b) => b.kind === 'tools');
  if (tools && reused(tools)) take(tools, 'static');

  const placed = chosen
    .map(({ b, reason }) => ({
      kind: b.kind,
      index: b.index,
      tokens: b.tokens,
      reason,
      ttl: reason === 'conversation' ? ('5m' as const) : chooseTtl(stats.get(b.hash) ?? { seen: 0 }),
      position: boundaryPosition(req, b),
    }))
    .sort((a, b) => a.position - b.position);
  orderTtls(placed, scan.clientMarkers);
  return placed.map(({ position: _p, ...p }) => p);
}

/**
 * Makes TTLs monotonic (1h before 5m): a marker of Penny's becomes 1h when a later marker is 1h, then 5m
 * when an earlier marker is 5m (the cheaper, safe choice if the caller's own markers conflict).
 */
export function orderTtls(
  placed: Array<{ position: number; ttl: CacheTtl }>,
  client: ReadonlyArray<{ position: number; ttl: CacheTtl }>,
): void {
  const all = [
    ...placed.map((p) => ({ p, client: false })),
    ...client.map((c) => ({ p: { ...c }, client: true })),
  ].sort((a, b) => a.p.position - b.p.position);
  let later1h = false;
  for (let i = all.length - 1; i >= 0; i--) {
    const m = all[i]!;
    if (!m.client && later1h) m.p.ttl = '1h';
    if (m.p.ttl === '1h') later1h = true;
  }
  let earlier5m = false;
  for (const m of all) {
    if (!m.client && earlier5m) m.p.ttl = '5m';
    if (m.p.ttl === '5m') earlier5m = true;
  }
}

/** A copy of `req` with the placements' markers set (the caller's objects are never changed). */
export function applyBreakpoints(req: CanonicalRequest, placements: readonly Placement[]): CanonicalRequest {
  if (placements.length === 0) return req;
  const out: CanonicalRequest = { ...req };
  for (const p of placements) {
    const cc: CacheControl = p.ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
    if (p.kind === 'tools' && out.tools) {
      out.tools = out.tools.slice();
      out.tools[p.index] = { ...out.tools[p.index]!, cacheControl: cc };
    } else if (p.kind === 'system') {
      out.system = out.system.slice();
      out.system[p.index] = { ...out.system[p.index]!, cacheControl: cc };
    } else if (p.kind === 'message') {
      out.messages = out.messages === req.messages ? req.messages.slice() : out.messages;
      const m: Message = out.messages[p.index]!;
      const content = m.content.slice();
      const last = content.length - 1;
      content[last] = { ...content[last]!, cacheControl: cc } as ContentPart;
      out.messages[p.index] = { ...m, content };
    }
  }
  return out;
}
