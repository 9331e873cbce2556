/**
 * Upstream HTTP calls over undici's connection Pool (keep-alive, no WHATWG fetch on the hot path).
 * One Pool per provider origin. Keys are set here and nowhere else, from the resolved provider or from a
 * client's own key, and never leave this module except inside the outgoing request.
 */
import type { CircuitBreakers } from '../resilience/circuit-breaker.js';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { type CallSignal, asUndiciSignal } from '../core/call-signal.js';
import { ProviderError } from '../core/errors.js';
import type { ResolvedProvider } from '../config/load.js';
import { PROVIDER_TYPES } from './registry.js';

export interface UpstreamResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  /**
   * @param breakers circuit breakers per provider and model, consulted by every upstream call (see
   *   pipeline/execute/single.ts); null turns them off.
   */
  constructor(readonly breakers: CircuitBreakers | null = null) {}

  /** Origin and path prefix of each base URL, parsed once (not per request). */
  private readonly bases = new Map<string, { origin: string; prefix: string }>();

  private base(baseUrl: string): { origin: string; prefix: string } {
    let b = this.bases.get(baseUrl);
    if (!b) {
      const url = new URL(baseUrl);
      b = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
      this.bases.set(baseUrl, b);
    }
    return b;
  }

  pool(provider: ResolvedProvider): Pool {
    const { origin } = this.base(provider.baseUrl);
    const key = `${provider.name}|${origin}`;
    let p = this.pools.get(key);
    if (!p) {
      p = new Pool(origin, {
        connections: provider.maxConnections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: provider.timeoutMs,
        bodyTimeout: provider.idleTimeoutMs,
      });
      this.pools.set(key, p);
    }
    return p;
  }

  async call(
    provider: ResolvedProvider,
    model: string,
    body: string | Buffer,
    opts: {
      apiKey: string | undefined;
      stream: boolean;
      signal: CallSignal;
      extraHeaders?: Record<string, string>;
      /** Path under the base URL instead of the provider type's chat path (e.g. "/responses"). */
      path?: string;
    },
  ): Promise<UpstreamResponse> {
    const spec = PROVIDER_TYPES[provider.type];
    const { prefix } = this.base(provider.baseUrl);
    const path =
      prefix +
      (opts.path ??
        spec.chatPath(model, {
          ...(provider.apiVersion ? { apiVersion: provider.apiVersion } : {}),
          deployments: provider.deployments,
        }));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: opts.stream ? 'text/event-stream' : 'application/json',
      ...provider.headers,
      ...opts.extraHeaders,
    };
    if (spec.dialect === 'anthropic' && !headers['anthropic-version'])
      headers['anthropic-version'] = '2023-06-01';
    if (opts.apiKey) {
      if (spec.auth === 'bearer') headers.authorization = `Bearer ${opts.apiKey}`;
      else if (spec.auth === 'x-api-key') headers['x-api-key'] = opts.apiKey;
      else headers['api-key'] = opts.apiKey;
    }
    try {
      const res = await this.pool(provider).request({
        path,
        method: 'POST',
        headers,
        body,
        signal: asUndiciSignal(opts.signal),
      });
      return { statusCode: res.statusCode, headers: res.headers, body: res.body };
    } catch (e) {
      throw upstreamFailure(provider.name, e);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.pools.clear();
  }
}

/** Maps a transport failure (timeout, reset, refused) to a ProviderError without leaking request details. */
export function upstreamFailure(provider: string, e: unknown): ProviderError {
  const err = e as { code?: string; name?: string; message?: string };
  const code = err.code ?? err.name ?? '';
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  ) {
    return new ProviderError(
      'upstream_timeout',
      provider,
      `provider "${provider}" timed out (${code}); raise providers.${provider}.timeoutMs / idleTimeoutMs if the model is slow`,
      { retryable: true, cause: e },
    );
  }
  if (code === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return new ProviderError('client_aborted', provider, 'request aborted by the client', { cause: e });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new ProviderError(
      'upstream_unreachable',
      provider,
      `provider "${provider}" is unreachable (${code}); check providers.${provider}.baseUrl`,
      { retryable: true, cause: e },
    );
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return new ProviderError(
      'upstream_unreachable',
      provider,
      `provider "${provider}" closed the connection (${code})`,
      { retryable: true, cause: e },
    );
  }
  return new ProviderError(
    'upstream_error',
    provider,
    `provider "${provider}" request failed: ${err.message ?? code}`,
    { retryable: true, cause: e },
  );
}

/**
 * Reads a whole upstream body as UTF-8 text. Plain 'data'/'end' events: measurably cheaper per request than
 * undici's `body.text()` (its consume path costs ~7 µs per small body here) — this runs for every
 * non-streamed answer.
 */
export function readBodyText(body: UpstreamResponse['body']): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    body.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    body.once('error', reject);
  });
}
