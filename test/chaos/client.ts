/**
 * The chaos client: sends one planned request to Penny over a raw keep-alive connection (no SDK, so no
 * retries or parsing hide what came back) and records exactly what it saw — status, the request id, whether
 * a stream ended properly, with an error event, or not at all, and whether the body parsed. The fleet test
 * sends most of its requests with it too.
 */
import { type Agent, request } from 'node:http';
import type { PlannedRequest } from './plan.js';

export type Seen =
  | 'ok' // a complete answer
  | 'http_error' // a non-200 answer in the dialect's error shape
  | 'stream_error' // a stream that ended with one error event
  | 'aborted' // the client gave up on purpose
  | 'truncated' // a stream that stopped with neither its end marker nor an error event
  | 'garbled' // a 200 whose body or events did not parse, or an error body not in the dialect's shape
  | 'double_error' // more than one error event in one stream
  | 'conn_error' // no answer at all (socket error) and the client did not abort
  | 'hung'; // no end within the client's timeout

export interface ClientRecord {
  n: number;
  user: string;
  seen: Seen;
  status: number | null;
  requestId: string | null;
  costHeader: string | null;
  cacheHeader: string | null;
  latencyMs: number;
  detail?: string;
}

/** What `send` needs of a request: any feature name (the fleet test sends its own), no message group. */
export type SendRequest = Omit<PlannedRequest, 'feature' | 'group'> & { feature: string };

export function bodyOf(p: SendRequest): string {
  const messages = [{ role: 'user', content: p.text }];
  if (p.dialect === 'openai') {
    return JSON.stringify({
      model: p.model,
      messages,
      stream: p.stream,
      temperature: 0,
      ...(p.stream ? { stream_options: { include_usage: true } } : {}),
    });
  }
  return JSON.stringify({ model: p.model, max_tokens: 200, messages, stream: p.stream, temperature: 0 });
}

function errorShapeOk(dialect: 'openai' | 'anthropic', text: string): boolean {
  try {
    const b = JSON.parse(text) as { type?: unknown; error?: { message?: unknown; type?: unknown } };
    if (dialect === 'anthropic')
      return b.type === 'error' && typeof b.error?.message === 'string' && typeof b.error?.type === 'string';
    return typeof b.error?.message === 'string';
  } catch {
    return false;
  }
}

/** Classifies a finished stream body. */
export function classifyStream(
  dialect: 'openai' | 'anthropic',
  text: string,
): { seen: Seen; detail?: string } {
  let done = false;
  let errors = 0;
  let garbage = 0;
  let event = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('event:')) {
      event = line.slice(6).trim();
      if (event === 'error') errors++;
      if (event === 'message_stop') done = true;
      continue;
    }
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    try {
      const obj = JSON.parse(data) as { error?: unknown };
      if (dialect === 'openai' && obj.error !== undefined) errors++;
    } catch {
      garbage++;
    }
  }
  if (garbage > 0)
    return { seen: 'garbled', detail: `${garbage} unparseable data line(s): ${text.slice(-300)}` };
  if (errors > 1) return { seen: 'double_error', detail: `${errors} error events: ${text.slice(-600)}` };
  if (errors === 1) return { seen: 'stream_error' };
  if (done) return { seen: 'ok' };
  return { seen: 'truncated', detail: text.slice(-200) };
}

export function send(
  base: URL,
  agent: Agent,
  p: SendRequest,
  user: string,
  timeoutMs: number,
): Promise<ClientRecord> {
  const body = bodyOf(p);
  const path = p.dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-penny-feature': p.feature,
    'x-penny-user': user,
  };
  if (p.dialect === 'openai') headers.authorization = 'Bearer penny';
  else {
    headers['x-api-key'] = 'penny';
    headers['anthropic-version'] = '2023-06-01';
  }
  const t0 = performance.now();
  return new Promise<ClientRecord>((resolve) => {
    let finished = false;
    let status: number | null = null;
    let requestId: string | null = null;
    let costHeader: string | null = null;
    let cacheHeader: string | null = null;
    const done = (seen: Seen, detail?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(hang);
      if (abortTimer) clearTimeout(abortTimer);
      resolve({
        n: p.n,
        user,
        seen,
        status,
        requestId,
        costHeader,
        cacheHeader,
        latencyMs: performance.now() - t0,
        ...(detail !== undefined ? { detail } : {}),
      });
    };
    const req = request(
      { host: base.hostname, port: base.port, path, method: 'POST', headers, agent },
      (res) => {
        status = res.statusCode ?? null;
        requestId = (res.headers['x-penny-request-id'] as string | undefined) ?? null;
        costHeader = (res.headers['x-penny-cost-usd'] as string | undefined) ?? null;
        cacheHeader = (res.headers['x-penny-cache'] as string | undefined) ?? null;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => {});
        res.on('aborted', () => {});
        res.on('close', () => {
          if (finished) return;
          const text = Buffer.concat(chunks).toString('utf8');
          const stream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
          if (!res.complete) {
            // The socket closed before the body ended.
            if (stream) {
              const c = classifyStream(p.dialect, text);
              return done(
                c.seen === 'ok' ? 'truncated' : c.seen === 'truncated' ? 'truncated' : c.seen,
                c.detail,
              );
            }
            return done('truncated', `non-stream body cut at ${text.length} bytes`);
          }
          if (status !== 200)
            return done(errorShapeOk(p.dialect, text) ? 'http_error' : 'garbled', text.slice(0, 200));
          if (stream) {
            const c = classifyStream(p.dialect, text);
            return done(c.seen, c.detail);
          }
          try {
            JSON.parse(text);
            return done('ok');
          } catch {
            return done('garbled', text.slice(0, 200));
          }
        });
      },
    );
    req.on('error', (e) => {
      if (aborted) return done('aborted');
      done('conn_error', (e as Error).message);
    });
    let aborted = false;
    let abortTimer: NodeJS.Timeout | undefined;
    if (p.abortAfterMs !== undefined) {
      abortTimer = setTimeout(() => {
        if (finished) return;
        aborted = true;
        req.destroy();
        done('aborted');
      }, p.abortAfterMs);
    }
    const hang = setTimeout(() => {
      req.destroy();
      done('hung');
    }, timeoutMs);
    req.end(body);
  });
}
