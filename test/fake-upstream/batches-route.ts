/**
 * The providers' batch APIs on the fake: OpenAI `POST /v1/files` (multipart, purpose=batch),
 * `GET /v1/files` (list), `GET|DELETE /v1/files/{id}`, `GET /v1/files/{id}/content`, `POST /v1/batches`,
 * `GET /v1/batches` (list), `GET /v1/batches/{id}`, `POST /v1/batches/{id}/cancel`; Anthropic
 * `POST /v1/messages/batches`, `GET /v1/messages/batches` (list), `GET /v1/messages/batches/{id}`,
 * `POST /v1/messages/batches/{id}/cancel`, `GET /v1/messages/batches/{id}/results`.
 * A batch stays `in_progress` for `batchDelayMs` (default 0) after creation, then ends. Each line is answered
 * like the same chat request (answer.ts). Directives in a line's last user message:
 *   #fake:batch_reject — creating the batch fails with 400;   #fake:batch_fail — the batch ends `failed`;
 *   #fake:batch_expire — the batch ends `expired`: lines with the directive unanswered (expired), others done;
 *   #fake:line_error — that line gets a per-line error.
 */
import { randomBytes } from 'node:crypto';
import { buildAnswer } from './answer.js';
import { anthropicError, anthropicMessage } from './anthropic-wire.js';
import type { Exchange } from './exchange.js';
import { openAiCompletion, openAiError } from './openai-wire.js';
import { type Json, anthropicView, isRecord, openAiView } from './request-view.js';
import { parseDirectives } from './scenario.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const rid = (p: string) => `${p}${randomBytes(8).toString('hex')}`;

interface FakeBatch {
  id: string;
  dialect: 'openai' | 'anthropic';
  createdAt: number;
  lines: Array<{ customId: string; body: Json }>;
  fail: boolean;
  expire: boolean;
  cancelled?: boolean;
  outputFileId?: string;
  errorFileId?: string;
  inputFileId?: string;
}

export interface BatchApi {
  /** Handles the request when it is a batch-API route; false otherwise. */
  handle(
    method: string,
    route: string,
    ex: Exchange,
    raw: string,
    contentType: string,
    base: string,
  ): boolean;
  /** Batches created so far (tests). */
  readonly batches: Map<string, FakeBatch>;
  /** How long a new batch stays in progress, ms. */
  delayMs: number;
}

export function createBatchApi(): BatchApi {
  const files = new Map<string, { content: string; purpose: string }>();
  const batches = new Map<string, FakeBatch>();
  const api: BatchApi = {
    batches,
    delayMs: 0,
    handle(method, route, ex, raw, contentType, base) {
      if (method === 'POST' && route === '/files') {
        uploadFile(ex, raw, contentType);
        return true;
      }
      if (method === 'GET' && route === '/files') {
        const data = [...files.entries()].map(([id, f]) => fileObject(id, f));
        ex.send(200, JSON.stringify({ object: 'list', data, has_more: false }), JSON_HEADERS);
        return true;
      }
      let m = /^\/files\/([^/]+)$/.exec(route);
      if ((method === 'GET' || method === 'DELETE') && m) {
        const f = files.get(m[1]!);
        if (!f) ex.send(404, openAiError(404, `No such File object: ${m[1]}`), JSON_HEADERS);
        else if (method === 'GET') ex.send(200, JSON.stringify(fileObject(m[1]!, f)), JSON_HEADERS);
        else {
          files.delete(m[1]!);
          ex.send(200, JSON.stringify({ id: m[1], object: 'file', deleted: true }), JSON_HEADERS);
        }
        return true;
      }
      if (method === 'GET' && route === '/batches') {
        const data = [...batches.values()].filter((b) => b.dialect === 'openai').map(openAiBatch);
        ex.send(200, JSON.stringify({ object: 'list', data, has_more: false }), JSON_HEADERS);
        return true;
      }
      if (method === 'GET' && route === '/messages/batches') {
        const data = [...batches.values()]
          .filter((b) => b.dialect === 'anthropic')
          .map((b) => anthropicBatch(b, base));
        ex.send(200, JSON.stringify({ data, has_more: false, first_id: null, last_id: null }), JSON_HEADERS);
        return true;
      }
      m = /^\/(messages\/)?batches\/([^/]+)\/cancel$/.exec(route);
      if (method === 'POST' && m) {
        const dialect = m[1] ? 'anthropic' : 'openai';
        const b = batches.get(m[2]!);
        const err = dialect === 'openai' ? openAiError : anthropicError;
        if (b?.dialect !== dialect) {
          ex.send(404, err(404, `No batch found with id '${m[2]}'.`), JSON_HEADERS);
          return true;
        }
        if (!ended(b)) b.cancelled = true;
        const view = dialect === 'openai' ? openAiBatch(b) : anthropicBatch(b, base);
        ex.send(200, JSON.stringify(view), JSON_HEADERS);
        return true;
      }
      m = /^\/files\/([^/]+)\/content$/.exec(route);
      if (method === 'GET' && m) {
        const f = files.get(m[1]!);
        if (!f) ex.send(404, openAiError(404, `No such File object: ${m[1]}`), JSON_HEADERS);
        else ex.send(200, f.content, { 'content-type': 'application/jsonl' });
        return true;
      }
      if (method === 'POST' && route === '/batches') {
        createOpenAi(ex, raw);
        return true;
      }
      m = /^\/batches\/([^/]+)$/.exec(route);
      if (method === 'GET' && m) {
        const b = batches.get(m[1]!);
        if (b?.dialect !== 'openai')
          ex.send(404, openAiError(404, `No batch found with id '${m[1]}'.`), JSON_HEADERS);
        else ex.send(200, JSON.stringify(openAiBatch(b)), JSON_HEADERS);
        return true;
      }
      if (method === 'POST' && route === '/messages/batches') {
        createAnthropic(ex, raw);
        return true;
      }
      m = /^\/messages\/batches\/([^/]+)(\/results)?$/.exec(route);
      if (method === 'GET' && m) {
        const b = batches.get(m[1]!);
        if (b?.dialect !== 'anthropic') {
          ex.send(404, anthropicError(404, `No batch found with id '${m[1]}'.`), JSON_HEADERS);
          return true;
        }
        if (m[2]) {
          if (!ended(b)) ex.send(400, anthropicError(400, 'Batch is still processing.'), JSON_HEADERS);
          else ex.send(200, anthropicResults(b), { 'content-type': 'application/binary' });
        } else ex.send(200, JSON.stringify(anthropicBatch(b, base)), JSON_HEADERS);
        return true;
      }
      return false;
    },
  };

  const ended = (b: FakeBatch) => b.cancelled === true || Date.now() - b.createdAt >= api.delayMs;
  const fileObject = (id: string, f: { content: string; purpose: string }) => ({
    id,
    object: 'file',
    bytes: Buffer.byteLength(f.content),
    created_at: now(),
    filename: 'batch.jsonl',
    purpose: f.purpose,
  });
  const directives = (dialect: 'openai' | 'anthropic', body: Json) => {
    const view = dialect === 'openai' ? openAiView(body) : anthropicView(body);
    return { view, sc: parseDirectives(view.lastUserText) };
  };

  function uploadFile(ex: Exchange, raw: string, contentType: string): void {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
    if (!boundary) {
      ex.send(400, openAiError(400, 'expected multipart/form-data'), JSON_HEADERS);
      return;
    }
    const parts = raw.split(`--${boundary[1] ?? boundary[2]}`);
    let content: string | undefined;
    let purpose = '';
    for (const p of parts) {
      const at = p.indexOf('\r\n\r\n');
      if (at < 0) continue;
      const head = p.slice(0, at);
      const value = p.slice(at + 4).replace(/\r\n$/, '');
      if (/name="file"/.test(head)) content = value;
      else if (/name="purpose"/.test(head)) purpose = value.trim();
    }
    if (content === undefined) {
      ex.send(400, openAiError(400, "Missing required parameter: 'file'.", { param: 'file' }), JSON_HEADERS);
      return;
    }
    const id = rid('file-');
    files.set(id, { content, purpose });
    ex.send(
      200,
      JSON.stringify({
        id,
        object: 'file',
        bytes: Buffer.byteLength(content),
        created_at: now(),
        filename: 'batch.jsonl',
        purpose,
      }),
      JSON_HEADERS,
    );
  }

  function createOpenAi(ex: Exchange, raw: string): void {
    const body = safeJson(raw);
    const file =
      isRecord(body) && typeof body.input_file_id === 'string' ? files.get(body.input_file_id) : undefined;
    if (!isRecord(body) || !file) {
      ex.send(400, openAiError(400, 'input_file_id: no such file', { param: 'input_file_id' }), JSON_HEADERS);
      return;
    }
    const lines: FakeBatch['lines'] = [];
    for (const l of file.content.split('\n')) {
      if (l.trim() === '') continue;
      const x = safeJson(l);
      if (!isRecord(x) || typeof x.custom_id !== 'string' || !isRecord(x.body)) {
        ex.send(400, openAiError(400, 'invalid batch input line'), JSON_HEADERS);
        return;
      }
      lines.push({ customId: x.custom_id, body: x.body });
    }
    const b = newBatch('openai', lines);
    if (!b) {
      ex.send(
        400,
        openAiError(400, 'The batch was rejected: #fake:batch_reject', { code: 'invalid_batch' }),
        JSON_HEADERS,
      );
      return;
    }
    b.inputFileId = body.input_file_id as string;
    ex.send(200, JSON.stringify(openAiBatch(b)), JSON_HEADERS);
  }

  function createAnthropic(ex: Exchange, raw: string): void {
    const body = safeJson(raw);
    if (!isRecord(body) || !Array.isArray(body.requests)) {
      ex.send(400, anthropicError(400, 'requests: Field required'), JSON_HEADERS);
      return;
    }
    const lines = body.requests
      .filter(isRecord)
      .map((r) => ({ customId: String(r.custom_id), body: isRecord(r.params) ? r.params : {} }));
    const b = newBatch('anthropic', lines);
    if (!b) {
      ex.send(400, anthropicError(400, 'The batch was rejected: #fake:batch_reject'), JSON_HEADERS);
      return;
    }
    ex.send(200, JSON.stringify(anthropicBatch(b, '')), JSON_HEADERS);
  }

  function newBatch(dialect: 'openai' | 'anthropic', lines: FakeBatch['lines']): FakeBatch | null {
    let fail = false;
    let expire = false;
    for (const l of lines) {
      const { sc } = directives(dialect, l.body);
      if (sc.batchReject) return null;
      fail ||= sc.batchFail === true;
      expire ||= sc.batchExpire === true;
    }
    const b: FakeBatch = {
      id: rid(dialect === 'openai' ? 'batch_' : 'msgbatch_'),
      dialect,
      createdAt: Date.now(),
      lines,
      fail,
      expire,
    };
    batches.set(b.id, b);
    return b;
  }

  /** The answer (or error) of one line, as the provider's results carry it. */
  function lineResult(
    b: FakeBatch,
    l: FakeBatch['lines'][number],
  ): { ok: Json } | { error: string } | { expired: true } {
    const { view, sc } = directives(b.dialect, l.body);
    if (b.expire && sc.batchExpire) return { expired: true };
    if (sc.lineError) return { error: 'fake per-line error (#fake:line_error)' };
    const a = buildAnswer(view, sc, 'call_fake', undefined);
    const id = rid(b.dialect === 'openai' ? 'chatcmpl-' : 'msg_');
    return {
      ok:
        b.dialect === 'openai'
          ? openAiCompletion(a, {
              id,
              model: view.model,
              created: now(),
              n: 1,
              logprobs: false,
              topLogprobs: 0,
            })
          : anthropicMessage(a, { id, model: view.model }),
    };
  }

  function openAiBatch(b: FakeBatch): Json {
    const done = ended(b);
    const status = !done
      ? 'in_progress'
      : b.cancelled
        ? 'cancelled'
        : b.fail
          ? 'failed'
          : b.expire
            ? 'expired'
            : 'completed';
    if (done && !b.fail && !b.outputFileId) {
      const out: string[] = [];
      const err: string[] = [];
      for (const l of b.lines) {
        const r = lineResult(b, l);
        if ('ok' in r)
          out.push(
            JSON.stringify({
              id: rid('batch_req_'),
              custom_id: l.customId,
              response: { status_code: 200, request_id: rid('req_'), body: r.ok },
              error: null,
            }),
          );
        else
          err.push(
            JSON.stringify({
              id: rid('batch_req_'),
              custom_id: l.customId,
              response: null,
              error:
                'expired' in r
                  ? {
                      code: 'batch_expired',
                      message: 'This request could not be executed before the completion window expired.',
                    }
                  : { code: 'server_error', message: r.error },
            }),
          );
      }
      b.outputFileId = rid('file-');
      files.set(b.outputFileId, {
        content: out.join('\n') + (out.length ? '\n' : ''),
        purpose: 'batch_output',
      });
      if (err.length) {
        b.errorFileId = rid('file-');
        files.set(b.errorFileId, { content: `${err.join('\n')}\n`, purpose: 'batch_output' });
      }
    }
    return {
      id: b.id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      input_file_id: b.inputFileId ?? null,
      completion_window: '24h',
      status,
      output_file_id: done && !b.fail ? (b.outputFileId ?? null) : null,
      error_file_id: done && !b.fail ? (b.errorFileId ?? null) : null,
      errors:
        b.fail && done
          ? {
              object: 'list',
              data: [{ code: 'fake_failure', message: 'The batch failed (#fake:batch_fail).' }],
            }
          : null,
      created_at: Math.floor(b.createdAt / 1000),
      request_counts: { total: b.lines.length, completed: done ? b.lines.length : 0, failed: 0 },
    };
  }

  function anthropicBatch(b: FakeBatch, base: string): Json {
    const done = ended(b);
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: done ? 'ended' : 'in_progress',
      request_counts: {
        processing: done ? 0 : b.lines.length,
        succeeded: 0,
        errored: 0,
        canceled: 0,
        expired: 0,
      },
      created_at: new Date(b.createdAt).toISOString(),
      ended_at: done ? new Date().toISOString() : null,
      expires_at: new Date(b.createdAt + 86_400_000).toISOString(),
      results_url: done ? `${base}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  function anthropicResults(b: FakeBatch): string {
    return b.lines
      .map((l) => {
        if (b.fail)
          return JSON.stringify({
            custom_id: l.customId,
            result: {
              type: 'errored',
              error: {
                type: 'error',
                error: { type: 'api_error', message: 'The batch failed (#fake:batch_fail).' },
              },
            },
          });
        const r = lineResult(b, l);
        const result =
          'ok' in r
            ? { type: 'succeeded', message: r.ok }
            : 'expired' in r
              ? { type: 'expired' }
              : { type: 'errored', error: { type: 'error', error: { type: 'api_error', message: r.error } } };
        return JSON.stringify({ custom_id: l.customId, result });
      })
      .join('\n');
  }

  return api;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
