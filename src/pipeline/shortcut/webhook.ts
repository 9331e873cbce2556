/**
 * Calls a rule's webhook with undici and a hard timeout. The webhook receives the question as JSON and
 * answers {"answer": "…"} to answer, or {"answer": null} (or 204) to let the request go to the model.
 * Every failure — timeout, refused connection, a status ≥ 300, a body that is not that JSON — is thrown,
 * and the caller sends the request on to the model unchanged.
 */
import { undiciApi } from '../../providers/undici-api.js';

export interface WebhookCall {
  url: string;
  timeoutMs: number;
  headers?: Record<string, string>;
  payload: Record<string, unknown>;
}

/** The webhook's answer, or null when it declined to answer. */
export async function callWebhook(call: WebhookCall): Promise<string | null> {
  const signal = AbortSignal.timeout(call.timeoutMs);
  const { request } = await undiciApi();
  const res = await request(call.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...call.headers },
    body: JSON.stringify(call.payload),
    signal,
    headersTimeout: call.timeoutMs,
    bodyTimeout: call.timeoutMs,
  });
  if (res.statusCode === 204) {
    await res.body.dump();
    return null;
  }
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`webhook answered HTTP ${res.statusCode}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('webhook answer is not JSON');
  }
  const answer = (parsed as { answer?: unknown } | null)?.answer;
  if (answer === null || answer === undefined) return null;
  if (typeof answer !== 'string' || answer.trim() === '')
    throw new Error('webhook "answer" is not a non-empty string');
  return answer;
}
