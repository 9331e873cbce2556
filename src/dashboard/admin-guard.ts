/**
 * Who may see the dashboard and /metrics. On loopback with no admin token configured, anyone local may.
 * With a token (`server.adminToken` / PENNY_ADMIN_TOKEN) — and always beyond loopback — the caller must
 * present it: `Authorization: Bearer <token>`, `x-penny-admin-token`, or the session cookie set by a
 * `?token=` login. The cookie holds an HMAC of the token, not the token, so a leaked cookie is not the
 * admin token. Beyond loopback with no token configured, access is refused (never silently open).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from '../server/auth.js';

export const SESSION_COOKIE = 'penny_admin';
export const ADMIN_HEADER = 'x-penny-admin-token';

export type AdminCheck = 'ok' | 'unauthorized' | 'not_configured';

export interface AdminAccess {
  /** True when a token must be presented. */
  readonly required: boolean;
  check(headers: IncomingHttpHeaders): AdminCheck;
}

export class AdminGuard implements AdminAccess {
  readonly required: boolean;
  readonly #token: Buffer | null;
  readonly #session: Buffer | null;

  constructor(host: string, token: string | undefined) {
    this.#token = token ? Buffer.from(token) : null;
    this.#session = token ? Buffer.from(sessionValue(token)) : null;
    this.required = this.#token !== null || !isLoopback(host);
  }

  /** True when an admin token is configured. */
  get configured(): boolean {
    return this.#token !== null;
  }

  check(headers: IncomingHttpHeaders): AdminCheck {
    if (!this.required) return 'ok';
    if (!this.#token || !this.#session) return 'not_configured';
    const bearer = /^Bearer\s+(.+)$/i.exec(headerValue(headers.authorization) ?? '')?.[1]?.trim();
    if (bearer && this.matches(bearer)) return 'ok';
    const direct = headerValue(headers[ADMIN_HEADER]);
    if (direct && this.matches(direct)) return 'ok';
    const cookie = readCookie(headerValue(headers.cookie), SESSION_COOKIE);
    if (cookie && equal(this.#session, Buffer.from(cookie))) return 'ok';
    return 'unauthorized';
  }

  /** True when `value` is the admin token (constant time). */
  matches(value: string): boolean {
    return this.#token !== null && equal(this.#token, Buffer.from(value));
  }

  /** The Set-Cookie value that logs a browser in (only after `matches` accepted the token). */
  sessionCookie(secure: boolean): string {
    if (!this.#session) throw new Error('no admin token configured');
    return `${SESSION_COOKIE}=${this.#session.toString()}; Path=/dashboard; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

function sessionValue(token: string): string {
  return createHmac('sha256', token).update('penny-dashboard-session-v1').digest('hex');
}

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The message for a refused request, naming what to do. */
export function denialMessage(result: Exclude<AdminCheck, 'ok'>): string {
  return result === 'not_configured'
    ? 'Penny listens beyond loopback: the dashboard and /metrics need an admin token. Set server.adminToken in the config or PENNY_ADMIN_TOKEN (16+ characters), then restart.'
    : 'admin token required: send "Authorization: Bearer <token>" (or x-penny-admin-token), or log in at /dashboard?token=<token>';
}
