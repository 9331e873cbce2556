/**
 * Merges a feature's stop sequences into the client's. The client's own come first and are never dropped;
 * the feature's fill the room the provider allows (OpenAI accepts at most 4), and what did not fit is named.
 */
export const STOP_LIMITS = { openai: 4, anthropic: 64 } as const;

export interface MergedStops {
  stop: string[];
  dropped: string[];
}

export function mergeStops(
  client: readonly string[] | undefined,
  extra: readonly string[],
  limit: number,
): MergedStops {
  const stop = [...(client ?? [])];
  const dropped: string[] = [];
  for (const s of extra) {
    if (stop.includes(s)) continue;
    if (stop.length >= limit) dropped.push(s);
    else stop.push(s);
  }
  return { stop, dropped };
}
