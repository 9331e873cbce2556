/**
 * Upstream HTTP calls over undici's connection Pool (keep-alive, no WHATWG fetch on the hot path), each
 * dispatched with Penny's own handler (upstream-call.ts), not `request()` and its stream.Readable body.
 * One Pool per provider origin. Keys are set here and nowhere else, from the resolved provider or from a
 * client's own key, and never leave this module except inside the outgoing request.
 */
import type { CircuitBreakers } from '../resilience/circuit-breaker.js';
import { Pool } from './undici-pool.js';
import type { CallSignal } from '../core/call-signal.js';
import { ProviderError } from '../core/errors.js';
import type { ResolvedProvider } from '../config/load.js';
import { PROVIDER_TYPES } from './registry.js';
import {
  type UpstreamAnswer,
  UpstreamCall,
  type UpstreamHeaders,
  type UpstreamStream,
} from './upstream-call.js';

export type { UpstreamAnswer, UpstreamBody, UpstreamHeaders, UpstreamStream } from './upstream-call.js';

export interface CallOptions {
  apiKey: string | undefined;
  signal: CallSignal;
  extraHeaders?: Record<string, string>;
  /** Path under the base URL instead of the provider type's chat path (e.g. "/responses"). */
  path?: string;
  /**
   * Sees the status and headers as they arrive, before the body: a whole answer whose body then breaks is
   * still known to have been accepted (and billed) by the provider.
   */
  onResponse?: (statusCode: number, headers: UpstreamHeaders) => void;
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

  /**
   * A call whose answer is read whole: one promise, settled at the end of the body with its text (an error
   * answer's too). Transport failures are mapped by `upstreamFailure`.
   */
  call(
    provider: ResolvedProvider,
    model: string,
    body: string | Buffer,
    opts: CallOptions,
  ): Promise<UpstreamAnswer> {
    return this.dispatch(true, provider, model, body, opts) as Promise<UpstreamAnswer>;
  }

  /**
   * A call asking for a stream: settled at the headers; its body is read as it arrives (`body.each`, with
   * backpressure) or whole (`body.text`) when the upstream answered without streaming.
   */
  open(
    provider: ResolvedProvider,
    model: string,
    body: string | Buffer,
    opts: CallOptions,
  ): Promise<UpstreamStream> {
    return this.dispatch(false, provider, model, body, opts) as Promise<UpstreamStream>;
  }

  private dispatch(
    whole: boolean,
    provider: ResolvedProvider,
    model: string,
    body: string | Buffer,
    opts: CallOptions,
  ): Promise<UpstreamAnswer | UpstreamStream> {
    const spec = PROVIDER_TYPES[provider.type];
    const { prefix } = this.base(provider.baseUrl);
    const path =
      prefix +
      (opts.path ??
        spec.chatPath(model, {
          deployments: provider.deployments,
          ...(provider.apiVersion ? { apiVersion: provider.apiVersion } : {}),
        }));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: whole ? 'application/json' : 'text/event-stream',
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
    const pool = this.pool(provider);
    return new Promise((resolve, reject) => {
      const handler = new UpstreamCall(
        whole,
        opts.signal,
        resolve,
        (e) => reject(upstreamFailure(provider.name, e)),
        opts.onResponse,
      );
      pool.dispatch({ path, method: 'POST', headers, body }, handler);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => p.destroy())));
    this.pools.clear();
  }
}

/** Maps a transport failure (timeout, reset, refused) to a ProviderError without leaking request details. */
export function upstreamFailure(provider: string, e: unknown): ProviderError {
  const err = e as { code?: unknown; name?: string; message?: string };
  // A DOMException's `code` is a number (20 for an AbortError): its name says what it is.
  const code = typeof err.code === 'string' ? err.code : (err.name ?? '');
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
