/**
 * Pass-through of the providers' batch APIs for clients that batch themselves: OpenAI `/v1/files` and
 * `/v1/batches`, Anthropic `/v1/messages/batches`, forwarded to the first configured provider of that type
 * with the provider's key (or the client's own key when `server.passThroughKeys` allows it).
 *
 * - Authenticated like chat: Penny tokens, virtual keys (verified by the governance guard), requireKeys.
 * - Every file and batch created here is remembered with its owner (a fingerprint of the credential that
 *   created it) and the key, feature and user it is billed to; anyone else gets 404, and lists show only the
 *   caller's own objects — the provider account is shared, its objects are not.
 * - When results are downloaded (the content of a batch's output or error file; Anthropic's results JSONL),
 *   the body streams through to the client while each line is read, and each line becomes one ledger entry
 *   at batch rates (price-results.ts), claimed in the store first so a second download prices nothing.
 * - Uploads and batch creations stream to the provider without being held in memory; more than
 *   `batchJobs.maxUploadBytes` is refused with 413.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LoadedConfig, ResolvedProvider } from '../../config/load.js';
import { PennyError, asPennyError } from '../../core/errors.js';
import { MAX_JSON_DEPTH, formatJsonPath, tooDeepAt } from '../../core/json-depth.js';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { EndpointGuard } from '../../governance/endpoint-guard.js';
import type { Logger } from '../../observability/logger.js';
import type { Attribution } from '../../pipeline/context.js';
import { attribute } from '../../pipeline/gateway.js';
import { providerKeyFor, sentSecrets } from '../../pipeline/provider-key.js';
import { forgetSecret, rememberSecret } from '../../core/known-secrets.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { CODECS } from '../../providers/codecs.js';
import type { Dispatcher } from 'undici';
import { type UpstreamHeaders, type Upstreams, upstreamFailure } from '../../providers/upstream.js';
import { toWireError } from '../../providers/wire-error.js';
import { ownerOf } from '../defer/deferral.js';
import type { BatchObject, BatchObjectKind } from './batch-object.js';
import type { PassthroughStore } from './passthrough-store.js';
import { undiciApi } from '../../providers/undici-api.js';
import { resultEntry } from './price-results.js';
import { LineSplitter, type ResultLine, parseResultLine } from './result-lines.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;
type Side = 'openai' | 'anthropic';

/**
 * A provider's answer to a batch or file call, its body a stream: uploads and results files can be large
 * and are piped, so these calls keep undici's `request()` (not the chat path's dispatch handler).
 */
interface UpstreamResponse {
  statusCode: number;
  headers: UpstreamHeaders;
  body: Dispatcher.ResponseData['body'];
}

export interface PassthroughAuth {
  readonly required: boolean;
  /** The name of the Penny token presented, or null. */
  check(headers: Headers): string | null;
  /** Whether a value is a Penny token (never forwarded as a provider key). */
  isPennyToken(value: string): boolean;
  presentsVirtualKey(headers: Headers): boolean;
}

export interface PassthroughDeps {
  loaded: LoadedConfig;
  catalog: PriceCatalog;
  logger: Logger;
  upstreams: Upstreams;
  store: PassthroughStore;
  guard: EndpointGuard;
  auth: PassthroughAuth;
  /** Where result-line entries go (the gateway's record: ledger, metrics). */
  record: (e: LedgerEntry) => void;
  maxUploadBytes: number;
}

type Action = 'upload' | 'list' | 'get' | 'delete' | 'content' | 'create' | 'cancel' | 'results';

interface Op {
  side: Side;
  kind: BatchObjectKind;
  action: Action;
  id?: string;
  /** Path under the provider's API root ("/files/…", "/batches/…", "/v1/messages/batches/…"). */
  rest: string;
}

const ID = /^[A-Za-z0-9_.-]{1,200}$/;
const MAX_JSON_REPLY = 32 * 1024 * 1024;
const MAX_CREATE_JSON = 1024 * 1024;
const SAFE_HEADER = /^[\x20-\x7e]{1,300}$/;
const PRICE_EVERY = 500;

/** The route and method, or undefined when the path is not a batch-API path; null for a wrong method. */
export function matchBatchRoute(method: string, path: string): Op | null | undefined {
  const seg = (s: string | undefined) => {
    if (s === undefined) return undefined;
    let id: string;
    try {
      id = decodeURIComponent(s);
    } catch {
      return '';
    }
    return ID.test(id) ? id : '';
  };
  let m = /^\/v1\/files(?:\/([^/]+)(\/content)?)?$/.exec(path);
  if (m) {
    const id = seg(m[1]);
    if (id === undefined)
      return method === 'POST'
        ? { side: 'openai', kind: 'file', action: 'upload', rest: '/files' }
        : method === 'GET'
          ? { side: 'openai', kind: 'file', action: 'list', rest: '/files' }
          : null;
    const rest = `/files/${encodeURIComponent(id)}`;
    if (m[2])
      return method === 'GET'
        ? { side: 'openai', kind: 'file', action: 'content', id, rest: `${rest}/content` }
        : null;
    if (method === 'GET') return { side: 'openai', kind: 'file', action: 'get', id, rest };
    if (method === 'DELETE') return { side: 'openai', kind: 'file', action: 'delete', id, rest };
    return null;
  }
  m = /^\/v1\/(messages\/)?batches(?:\/([^/]+)(\/cancel|\/results)?)?$/.exec(path);
  if (!m) return undefined;
  const side: Side = m[1] ? 'anthropic' : 'openai';
  const root = side === 'anthropic' ? '/v1/messages/batches' : '/batches';
  const id = seg(m[2]);
  if (id === undefined)
    return method === 'POST'
      ? { side, kind: 'batch', action: 'create', rest: root }
      : method === 'GET'
        ? { side, kind: 'batch', action: 'list', rest: root }
        : null;
  const rest = `${root}/${encodeURIComponent(id)}`;
  if (m[3] === '/cancel')
    return method === 'POST' ? { side, kind: 'batch', action: 'cancel', id, rest: `${rest}/cancel` } : null;
  if (m[3] === '/results')
    return side === 'anthropic' && method === 'GET'
      ? { side, kind: 'batch', action: 'results', id, rest: `${rest}/results` }
      : side === 'anthropic'
        ? null
        : undefined;
  if (method === 'GET') return { side, kind: 'batch', action: 'get', id, rest };
  if (method === 'DELETE' && side === 'anthropic') return { side, kind: 'batch', action: 'delete', id, rest };
  return null;
}

interface Caller {
  headers: Headers;
  attribution: Attribution;
  owner: string;
  provider: ResolvedProvider;
  apiKey: string | undefined;
}

export class BatchPassthrough {
  constructor(private readonly deps: PassthroughDeps) {}

  route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    const method = req.method ?? 'GET';
    const op = matchBatchRoute(method, path);
    if (op === undefined) return false;
    const side: Side = path.startsWith('/v1/messages/') ? 'anthropic' : 'openai';
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    // A key the client sent may be forwarded upstream and echoed back: masked by value until the call ends.
    const sent = sentSecrets(req.headers);
    for (const k of sent) rememberSecret(k);
    try {
      if (op === null)
        throw new PennyError('method_not_allowed', `${method} is not served on ${path.slice(0, 200)}`);
      if (op.id === '') throw this.notFound(op);
      if (op.action !== 'upload' && op.action !== 'create') req.resume();
      await this.serve(req, res, op, ac.signal);
    } catch (e) {
      req.resume();
      const err = asPennyError(e);
      if (err.code === 'internal') this.deps.logger.error('batch pass-through failed', { path, error: e });
      if (res.headersSent) res.destroy();
      else {
        if (err.code === 'body_too_large') res.setHeader('connection', 'close');
        const w = toWireError(err, side);
        send(res, w.status, w.body);
      }
    } finally {
      for (const k of sent) forgetSecret(k);
    }
    return true;
  };

  private async serve(req: IncomingMessage, res: ServerResponse, op: Op, signal: AbortSignal): Promise<void> {
    const caller = await this.caller(req.headers, op.side);
    const owned = async (kind: BatchObjectKind, id: string) => {
      const o = await this.deps.store.get(kind, id);
      if (!o || o.owner !== caller.owner || o.provider !== caller.provider.name)
        throw this.notFound({ ...op, kind, id });
      return o;
    };
    const query = op.action === 'list' ? queryOf(req.url) : '';
    switch (op.action) {
      case 'upload':
      case 'create': {
        if (op.side === 'openai' && op.kind === 'batch') {
          const body = await readJson(req, MAX_CREATE_JSON);
          const fileId = (body as { input_file_id?: unknown }).input_file_id;
          if (typeof fileId !== 'string' || !ID.test(fileId))
            throw new PennyError(
              'invalid_request',
              'input_file_id must be the id of a file uploaded through Penny',
              {
                param: 'input_file_id',
              },
            );
          await owned('file', fileId).catch((e: unknown) => {
            // Name the field, as every 400/404 about a body does.
            if (e instanceof PennyError && e.code === 'not_found')
              throw new PennyError('not_found', `input_file_id: ${e.message}`, { param: 'input_file_id' });
            throw e;
          });
          const up = await this.call(caller, op, 'POST', signal, JSON.stringify(body), 'application/json');
          const made = await this.json(up, op);
          await this.remember(caller, 'batch', made);
          await this.learnFiles(caller, made);
          return send(res, up.statusCode, made, caller.provider.name);
        }
        const up = await this.call(caller, op, 'POST', signal, this.limited(req, op), undefined);
        const made = await this.json(up, op);
        await this.remember(caller, op.kind, made);
        return send(res, up.statusCode, this.localUrls(req, made), caller.provider.name);
      }
      case 'list': {
        const up = await this.call(caller, { ...op, rest: op.rest + query }, 'GET', signal);
        const list = (await this.json(up, op)) as { data?: unknown };
        const items = Array.isArray(list.data) ? list.data.filter(isRecord) : [];
        const mine = new Set(
          (
            await this.deps.store.getMany(
              op.kind,
              items.map((d) => String(d.id)),
            )
          )
            .filter((o) => o.owner === caller.owner && o.provider === caller.provider.name)
            .map((o) => o.id),
        );
        const data = items.filter((d) => mine.has(String(d.id)));
        if (op.kind === 'batch' && op.side === 'openai')
          for (const d of data) await this.learnFiles(caller, d);
        return send(
          res,
          up.statusCode,
          { ...list, data: data.map((d) => this.localUrls(req, d)) },
          caller.provider.name,
        );
      }
      case 'get':
      case 'delete':
      case 'cancel': {
        await owned(op.kind, op.id!);
        const method = op.action === 'get' ? 'GET' : op.action === 'delete' ? 'DELETE' : 'POST';
        const up = await this.call(caller, op, method, signal);
        const body = await this.json(up, op);
        if (op.kind === 'batch' && op.side === 'openai') await this.learnFiles(caller, body);
        return send(res, up.statusCode, this.localUrls(req, body), caller.provider.name);
      }
      case 'content':
      case 'results': {
        const o = await owned(op.kind, op.id!);
        const batch =
          op.action === 'results' ? o : o.batchId ? await this.deps.store.get('batch', o.batchId) : undefined;
        const up = await this.call(caller, op, 'GET', signal);
        if (up.statusCode >= 400) await this.json(up, op);
        return this.streamResults(res, up, caller, op.side, batch);
      }
    }
  }

  /** Who is calling, on which provider, with which key; throws 401/403 in the guard's words. */
  private async caller(headers: Headers, side: Side): Promise<Caller> {
    const { auth } = this.deps;
    let tokenName: string | undefined;
    if (auth.required) {
      const name = auth.check(headers);
      if (!name && !auth.presentsVirtualKey(headers))
        throw new PennyError(
          'unauthorized',
          'missing or wrong Penny token: send it as the API key of your SDK',
        );
      if (name) tokenName = name;
    }
    const attribution = attribute({ headers, ...(tokenName ? { tokenName } : {}) }, undefined);
    try {
      await this.deps.guard.verify(headers, attribution, '*');
    } catch (e) {
      const err = asPennyError(e);
      if (err.code === 'forbidden' && err.param === 'model')
        throw new PennyError(
          'forbidden',
          `Penny key "${attribution.keyId}" is limited to some models; batch pass-through cannot check the models inside a batch, so it needs a key without a model allow-list`,
        );
      throw e;
    }
    const provider = this.deps.loaded.providers.find((p) => p.type === side);
    if (!provider)
      throw new PennyError(
        'no_provider',
        `batch pass-through needs a provider of type "${side}" in the config (providers.<name>.type: ${side})`,
      );
    const own = providerKeyFor(
      this.deps.loaded.config.server.passThroughKeys,
      { headers: { ...headers }, isPennyToken: (v) => auth.isPennyToken(v) },
      { provider, model: '' },
      attribution,
    );
    const apiKey = own ?? provider.apiKey;
    return { headers, attribution, owner: ownerOf(headers) ?? 'anonymous', provider, apiKey };
  }

  private async call(
    c: Caller,
    op: Op,
    method: string,
    signal: AbortSignal,
    body?: string | Transform,
    contentType?: string,
  ): Promise<UpstreamResponse> {
    const p = c.provider;
    const root = new URL(p.baseUrl).pathname.replace(/\/+$/, '');
    const path = (op.side === 'anthropic' ? root.replace(/\/v1$/, '') : root) + op.rest;
    const headers: Record<string, string> = { accept: 'application/json', ...p.headers };
    const from = (n: string) => {
      const v = c.headers[n];
      return typeof v === 'string' && SAFE_HEADER.test(v) ? v : undefined;
    };
    if (op.side === 'anthropic') {
      headers['anthropic-version'] =
        from('anthropic-version') ?? headers['anthropic-version'] ?? '2023-06-01';
      const beta = from('anthropic-beta');
      if (beta) headers['anthropic-beta'] = beta;
      if (c.apiKey) headers['x-api-key'] = c.apiKey;
    } else if (c.apiKey) headers.authorization = `Bearer ${c.apiKey}`;
    if (contentType) headers['content-type'] = contentType;
    else if (body !== undefined) {
      const ct = from('content-type');
      if (ct) headers['content-type'] = ct;
      const len = from('content-length');
      if (len && /^\d+$/.test(len)) headers['content-length'] = len;
    }
    try {
      await undiciApi(); // Dispatcher#request comes with undici's index (providers/undici-api.ts)
      const r = await this.deps.upstreams
        .pool(p)
        .request({ path, method: method as 'GET', headers, body: body ?? null, signal });
      return { statusCode: r.statusCode, headers: r.headers, body: r.body };
    } catch (e) {
      if (e instanceof PennyError) throw e;
      const cause = (e as { cause?: unknown }).cause;
      if (cause instanceof PennyError) throw cause;
      throw upstreamFailure(p.name, e);
    }
  }

  /** The request body, streamed, refused with 413 beyond the limit. */
  private limited(req: IncomingMessage, op: Op): Transform {
    const max = this.deps.maxUploadBytes;
    const tooLarge = () =>
      new PennyError(
        'body_too_large',
        `the upload is larger than the limit of ${max} bytes (batchJobs.maxUploadBytes)`,
      );
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (declared > max) throw tooLarge();
    const ct = String(req.headers['content-type'] ?? '');
    if (op.side === 'openai' && !/^multipart\/form-data;/i.test(ct))
      throw new PennyError(
        'unsupported_media_type',
        'POST /v1/files takes multipart/form-data (a file and its purpose)',
      );
    if (op.side === 'anthropic' && !/^application\/json/i.test(ct))
      throw new PennyError('unsupported_media_type', 'POST /v1/messages/batches takes application/json');
    let size = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > max) cb(tooLarge());
        else cb(null, chunk);
      },
    });
    req.on('error', (e) => limiter.destroy(e));
    req.pipe(limiter);
    return limiter;
  }

  /** A small JSON answer of the provider; its errors become PennyErrors in the client's dialect. */
  private async json(up: UpstreamResponse, op: Op): Promise<Record<string, unknown>> {
    const text = await readBounded(up.body, MAX_JSON_REPLY);
    if (up.statusCode >= 400) {
      const err = CODECS[op.side].parseError(up.statusCode, text ?? '', 'batch');
      if (up.statusCode === 404) throw this.notFound(op);
      throw err;
    }
    let v: unknown;
    try {
      v = text === null ? undefined : JSON.parse(text);
    } catch {}
    if (!isRecord(v))
      throw new PennyError(
        'upstream_bad_response',
        'the provider answered with something that is not a JSON object',
      );
    return v;
  }

  private async remember(c: Caller, kind: BatchObjectKind, made: Record<string, unknown>): Promise<void> {
    if (typeof made.id !== 'string' || !ID.test(made.id)) return;
    await this.deps.store.put({
      kind,
      id: made.id,
      provider: c.provider.name,
      owner: c.owner,
      keyId: c.attribution.keyId,
      feature: c.attribution.feature,
      user: c.attribution.user,
      createdAt: Date.now(),
    });
  }

  /** An OpenAI batch's output and error files belong to the batch: same owner, priced as its results. */
  private async learnFiles(c: Caller, b: Record<string, unknown>): Promise<void> {
    if (typeof b.id !== 'string') return;
    const batch = await this.deps.store.get('batch', b.id);
    if (!batch || batch.owner !== c.owner) return;
    for (const f of [b.output_file_id, b.error_file_id]) {
      if (typeof f !== 'string' || !ID.test(f)) continue;
      const known = await this.deps.store.get('file', f);
      if (known?.batchId === batch.id) continue;
      await this.deps.store.put({ ...batch, kind: 'file', id: f, batchId: batch.id, createdAt: Date.now() });
    }
  }

  /** Anthropic's results_url points at the provider; the client is sent to Penny's own results route. */
  private localUrls(req: IncomingMessage, o: Record<string, unknown>): Record<string, unknown> {
    if (typeof o.results_url !== 'string' || typeof o.id !== 'string') return o;
    const host = req.headers.host;
    if (!host || !/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) return o;
    const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    return {
      ...o,
      results_url: `${proto}://${host}/v1/messages/batches/${encodeURIComponent(o.id)}/results`,
    };
  }

  /**
   * Streams a results body to the client while reading its lines; each complete line of a known batch is
   * priced once (claimed in the store, then recorded), in groups as they arrive.
   */
  private async streamResults(
    res: ServerResponse,
    up: UpstreamResponse,
    c: Caller,
    side: Side,
    batch: BatchObject | undefined,
  ): Promise<void> {
    const headers: Record<string, string> = {
      'content-type': headerOf(up.headers['content-type']) ?? 'application/octet-stream',
      'x-penny-provider': c.provider.name,
    };
    const len = headerOf(up.headers['content-length']);
    if (len && /^\d+$/.test(len)) headers['content-length'] = len;
    res.writeHead(200, headers);
    if (!batch) {
      await pipeline(up.body, res);
      return;
    }
    let pending: ResultLine[] = [];
    let pricing = Promise.resolve();
    const flush = () => {
      const lines = pending;
      pending = [];
      if (lines.length > 0) pricing = pricing.then(() => this.price(batch, side, lines));
    };
    const splitter = new LineSplitter((l) => {
      const r = parseResultLine(side, l);
      if (r) pending.push(r);
      if (pending.length >= PRICE_EVERY) flush();
    });
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        splitter.push(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        splitter.end();
        cb();
      },
    });
    try {
      await pipeline(up.body, tap, res);
    } finally {
      // Lines fully received are priced even when the client went away before the end.
      flush();
      await pricing;
      if (splitter.overlong > 0)
        this.deps.logger.warn('batch pass-through: result lines too long to read were not priced', {
          batch: batch.id,
          lines: splitter.overlong,
        });
    }
  }

  private async price(batch: BatchObject, side: Side, lines: ResultLine[]): Promise<void> {
    try {
      const fresh = new Set(
        await this.deps.store.claimLines(
          `${batch.provider}\n${batch.id}`,
          lines.map((l) => l.customId),
        ),
      );
      const now = Date.now();
      for (const l of lines)
        if (fresh.delete(l.customId)) this.deps.record(resultEntry(batch, side, l, this.deps.catalog, now));
    } catch (e) {
      this.deps.logger.error('batch pass-through: pricing result lines failed', {
        batch: batch.id,
        error: e,
      });
    }
  }

  private notFound(op: Pick<Op, 'kind' | 'id' | 'side'>): PennyError {
    const id = (op.id ?? '').slice(0, 200);
    return new PennyError(
      'not_found',
      op.kind === 'file' ? `No such File object: ${id}` : `No batch found with id '${id}'.`,
    );
  }

  async close(): Promise<void> {
    await this.deps.store.close();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function headerOf(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s && SAFE_HEADER.test(s) ? s : undefined;
}

/** The query string of a list call (limit, after …), bounded; empty when none. */
function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  if (q < 0 || !url) return '';
  const s = url.slice(q);
  return s.length <= 2000 && /^\?[A-Za-z0-9_.~%&=+-]*$/.test(s) ? s : '';
}

function send(res: ServerResponse, status: number, body: unknown, provider?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...(provider ? { 'x-penny-provider': provider } : {}),
  });
  res.end(text);
}

/** Reads a body as text, up to `max` bytes; null beyond (the rest is discarded). */
function readBounded(body: UpstreamResponse['body'] | IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    body.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
      } else chunks.push(c);
    });
    body.once('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    body.once('error', reject);
  });
}

async function readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const text = await readBounded(req, max);
  if (text === null) throw new PennyError('body_too_large', `the request body is larger than ${max} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PennyError('invalid_json', `the request body is not valid JSON: ${(e as Error).message}`);
  }
  if (!isRecord(v)) throw new PennyError('invalid_request', 'the request body must be a JSON object');
  // Re-serialising a body nested thousands deep would overflow the stack (a 500): refused like the other routes.
  const deep = tooDeepAt(v);
  if (deep !== null)
    throw new PennyError(
      'invalid_request',
      `${formatJsonPath(deep, 6)} nests JSON deeper than ${MAX_JSON_DEPTH} levels; flatten it`,
      { param: formatJsonPath(deep, 4).replace(/…$/, '') },
    );
  return v;
}
