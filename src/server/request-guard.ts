/**
 * What a web page in the user's browser may do to Penny. On loopback with no token, any page the user
 * visits could otherwise make the browser POST to Penny (a `text/plain` "simple request" needs no CORS
 * preflight) and spend the configured provider key, or read the ledger through DNS rebinding. So:
 * - Host: the Host header must name loopback (localhost, 127.x, ::1), server.host, or one of
 *   server.allowedHosts — a rebound attacker domain is refused (403). Listening on a wildcard address
 *   (0.0.0.0, ::) needs tokens anyway, so Host is then checked only when server.allowedHosts is set.
 * - Origin: a request that carries an Origin (every browser cross-origin POST does) must come from Penny's
 *   own origin or one listed in server.cors.origins, else 403. Requests without one (SDKs, curl) pass.
 * - CORS: allowed origins get Access-Control-* headers, and their OPTIONS preflights an answer.
 * - Content-Type: the API routes take `application/json` (or any `+json` type) only, so a body sent as a
 *   form or text/plain — the kinds a page can send without a preflight — is refused (415).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PennyError } from '../core/errors.js';
import { isLoopback } from './auth.js';

export interface RequestGuardConfig {
  host: string;
  allowedHosts: string[];
  corsOrigins: string[];
}

/** Response headers a browser client may read (Penny's own, rate limits, request ids). */
const EXPOSED =
  'x-penny-request-id, x-penny-model, x-penny-provider, x-penny-cost-usd, x-penny-cache, x-penny-route, retry-after, retry-after-ms, x-request-id, request-id';
const ALLOWED_HEADERS =
  'content-type, authorization, x-api-key, x-penny-key, x-penny-provider-key, x-penny-feature, x-penny-user, x-penny-cache, anthropic-version, anthropic-beta, anthropic-dangerous-direct-browser-access, openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout';

export class RequestGuard {
  readonly #hosts: Set<string>;
  readonly #anyHost: boolean;
  readonly #origins: Set<string>;
  readonly #anyOrigin: boolean;
  /** The raw Host header last accepted (the decision depends only on it and the configuration). */
  #lastAccepted: string | undefined;

  constructor(cfg: RequestGuardConfig) {
    const wildcard = cfg.host === '0.0.0.0' || cfg.host === '::' || cfg.host === '[::]';
    this.#anyHost = cfg.allowedHosts.includes('*') || (wildcard && cfg.allowedHosts.length === 0);
    this.#hosts = new Set([normaliseHost(cfg.host), ...cfg.allowedHosts.map(normaliseHost)]);
    this.#anyOrigin = cfg.corsOrigins.includes('*');
    this.#origins = new Set(cfg.corsOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  }

  /** Null when the Host header is acceptable, else the refusal. */
  checkHost(req: IncomingMessage): PennyError | null {
    if (this.#anyHost) return null;
    const raw = req.headers.host;
    if (raw === undefined || raw === '') return null; // HTTP/1.0 clients; a browser always sends Host
    // A client sends the same Host on every request: the last one accepted is not normalised again.
    if (raw === this.#lastAccepted) return null;
    const name = normaliseHost(raw);
    if (isLoopback(name) || name.endsWith('.localhost') || this.#hosts.has(name)) {
      this.#lastAccepted = raw;
      return null;
    }
    return new PennyError(
      'forbidden',
      `Host "${name.slice(0, 100)}" is not one Penny answers to (DNS-rebinding guard): use localhost or add it to server.allowedHosts`,
    );
  }

  /** Null when the request's Origin (if any) may call Penny, else the refusal. */
  checkOrigin(req: IncomingMessage): PennyError | null {
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    if (this.#allowedOrigin(origin) || sameOrigin(origin, req.headers.host)) return null;
    // A page's own form POST can carry "Origin: null" (referrer-policy no-referrer); the browser still says
    // where it came from in Sec-Fetch-Site, which pages cannot set. (A rebound host was refused before.)
    if (req.headers['sec-fetch-site'] === 'same-origin') return null;
    return new PennyError(
      'forbidden',
      `requests from the web page origin ${JSON.stringify(origin.slice(0, 100))} are refused: a browser page may call Penny only from an origin listed in server.cors.origins`,
    );
  }

  /**
   * Adds CORS headers for an allowed cross-origin request, and answers its preflight. Returns true when
   * the request was a preflight (answered here).
   */
  cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && this.#allowedOrigin(origin);
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', EXPOSED);
    }
    if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
    req.resume();
    if (!allowed) {
      // Same-origin pages never preflight; anything else that gets here was not allowed.
      res.writeHead(403, { 'content-length': '0', vary: 'Origin' });
      res.end();
      return true;
    }
    res.writeHead(204, {
      'access-control-allow-methods': 'POST, GET, DELETE, OPTIONS',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
      'content-length': '0',
    });
    res.end();
    return true;
  }

  #allowedOrigin(origin: string): boolean {
    return this.#anyOrigin || this.#origins.has(origin.toLowerCase());
  }
}

/** Null when the body is declared as JSON (`application/json`, `…+json`, any parameters), else the refusal. */
export function checkJsonContentType(req: IncomingMessage): PennyError | null {
  const ct = req.headers['content-type'];
  // What SDKs send, answered without splitting and lower-casing the header on every request.
  if (ct === 'application/json') return null;
  const type = (ct ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return null;
  return new PennyError(
    'unsupported_media_type',
    ct === undefined
      ? 'the request has no content-type: send the JSON body with "content-type: application/json"'
      : `content-type ${JSON.stringify(ct.slice(0, 100))} is not accepted: send the JSON body with "content-type: application/json"`,
  );
}

/** A Host header (or host name) without port, brackets or trailing dot, lower-case. */
function normaliseHost(h: string): string {
  let s = h.trim().toLowerCase();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end > 0 ? s.slice(1, end) : s;
  }
  const colon = s.indexOf(':');
  // One colon: name:port. More than one: a bare IPv6 address (no port possible).
  if (colon >= 0 && s.indexOf(':', colon + 1) < 0) s = s.slice(0, colon);
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
