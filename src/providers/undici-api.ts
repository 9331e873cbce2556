/**
 * undici's index, loaded on first use, for the gateway's occasional HTTP calls (alert and shortcut
 * webhooks, embeddings, batch passthrough). The index loads all of undici — fetch, WebSocket, the HTTP cache,
 * mock agents: 110 modules and ~3 MB more main heap than the connection Pool the request path needs
 * (BENCHMARKS.md, issue 14, Memory) — so only these calls load it, when one first runs. Loading it also puts
 * `request()` on every dispatcher's prototype (the index does that), which `Dispatcher#request` callers need.
 */
let api: Promise<typeof import('undici')> | undefined;

export function undiciApi(): Promise<typeof import('undici')> {
  api ??= import('undici');
  return api;
}
