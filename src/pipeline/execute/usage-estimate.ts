/**
 * Usage of a streamed answer that ended without (complete) provider usage: aborted by the client, broken,
 * cut by an early stop, or from a provider that sent none. Tokens are counted off the event loop
 * (tokens/estimate-tokens.ts), so an estimate is a promise; the outcome (and its ledger entry) waits for it.
 */
import type { Usage } from '../../core/usage.js';
import type { StreamDecoder } from '../../providers/dialect.js';
import type { Target } from '../../providers/resolve-target.js';
import { estimateTokens } from '../../tokens/index.js';
import type { RequestContext } from '../context.js';
import type { StreamAssembler } from '../stream/assembler.js';

/** What a stream produced so far: enough to estimate what it used. */
export interface StreamSoFar {
  ctx: RequestContext;
  asm: StreamAssembler;
  decoder: StreamDecoder;
  target: Target;
}

/** The provider's usage when it is complete, else null (estimate it). */
export function completeUsage(s: StreamSoFar): Usage | null {
  const u = s.asm.usage;
  if (u && (u.outputText > 0 || u.reasoning > 0 || !s.asm.sawContent)) return u;
  return null;
}

/** The provider's usage when it is complete, else an estimate. */
export async function usageOrEstimate(s: StreamSoFar): Promise<Usage> {
  return completeUsage(s) ?? estimateUsage(s, '');
}

/**
 * What the provider reported is kept — Anthropic's `message_start` carries the input side (uncached, cache
 * read, cache writes) before any text — and only what it did not report is estimated: the input counted from
 * the request when nothing came, the output from the text generated so far plus any text the client never
 * saw (`extraText`, cut by an early stop). Flagged as estimated.
 */
export async function estimateUsage(s: StreamSoFar, extraText: string): Promise<Usage> {
  const { ctx, asm, decoder, target } = s;
  const reported = asm.usage ?? decoder.reportedUsage();
  if (!ctx.flags.includes('usage_estimated')) ctx.flags.push('usage_estimated');
  const { input, output } = await estimateTokens(
    reported ? null : ctx.request,
    asm.text() + extraText,
    target.model,
  );
  return {
    inputUncached: reported?.inputUncached ?? input ?? 0,
    cacheRead: reported?.cacheRead ?? 0,
    cacheWrite5m: reported?.cacheWrite5m ?? 0,
    cacheWrite1h: reported?.cacheWrite1h ?? 0,
    // A provider count seen mid-stream (message_start's placeholder) only stands if it is the larger one.
    outputText: Math.max(output, (reported?.outputText ?? 0) + (reported?.reasoning ?? 0)),
    reasoning: 0,
    estimated: true,
    ...(reported?.raw !== undefined ? { raw: reported.raw } : {}),
  };
}

/**
 * Usage of a non-streamed call cut after the upstream had it — the answer's body broke or did not parse, the
 * headers timed out, or the client left while the upstream worked. A provider bills such a call; what it
 * generated is unknowable, so the prompt is counted and the output is left at 0: a lower bound, flagged as
 * estimated (never a silent $0).
 */
export async function cutCallUsage(ctx: RequestContext, target: Target): Promise<Usage> {
  if (!ctx.flags.includes('usage_estimated')) ctx.flags.push('usage_estimated');
  const { input } = await estimateTokens(ctx.request, '', target.model);
  return {
    inputUncached: input ?? 0,
    cacheRead: 0,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    outputText: 0,
    reasoning: 0,
    estimated: true,
  };
}
