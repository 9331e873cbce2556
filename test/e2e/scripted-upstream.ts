/**
 * A tiny upstream that answers each request with exactly the bytes queued for it (status, headers, body):
 * for faults the fake upstream does not model, such as malformed SSE followed by `[DONE]`.
 */
import { type OutgoingHttpHeaders, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Scripted {
  status?: number;
  headers?: OutgoingHttpHeaders;
  /** Written in this order, one write per element. */
  chunks: string[];
}

/** A non-streamed Chat Completions answer with `text` from `model` (usage 20 in, 8 out), to script a reply. */
export function chatReply(model: string, text: string): Scripted {
  return {
    headers: { 'content-type': 'application/json' },
    chunks: [
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
      }),
    ],
  };
}

export interface ScriptedUpstream {
  url: string;
  /** Queues the answer to the next request. */
  next(s: Scripted): void;
  /** The bodies of the requests received so far, in order (as text). */
  received: string[];
  close(): Promise<void>;
}

export async function startScriptedUpstream(): Promise<ScriptedUpstream> {
  const queue: Scripted[] = [];
  const received: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(parts).toString());
      const s = queue.shift();
      if (s === undefined) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"scripted upstream: nothing queued"}}');
        return;
      }
      res.writeHead(s.status ?? 200, { 'content-type': 'text/event-stream', ...s.headers });
      for (const c of s.chunks) res.write(c);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    next: (s) => queue.push(s),
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
