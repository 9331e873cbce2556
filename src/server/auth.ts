/**
 * Who may call the gateway. On loopback with no tokens configured, anyone local may. Beyond loopback a
 * token is required (x-penny-key, or Authorization / x-api-key carrying a Penny token); Penny refuses to
 * start listening publicly without one. Tokens are compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import { looksLikeVirtualKey } from '../governance/virtual-key.js';
import type { Headers } from '../pipeline/gateway.js';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class Auth {
  private readonly tokens: Array<{ name: string; value: Buffer }>;
  readonly required: boolean;

  constructor(host: string, tokens: Record<string, string> | undefined) {
    this.tokens = Object.entries(tokens ?? {}).map(([name, v]) => ({ name, value: Buffer.from(v) }));
    this.required = this.tokens.length > 0 || !isLoopback(host);
    if (this.required && this.tokens.length === 0) {
      throw new ConfigError(
        'server.authTokens',
        `listening on ${host} (beyond loopback) needs a token: set server.authTokens in the config or PENNY_API_KEYS=<token> (16+ characters)`,
      );
    }
  }

  /** The name of the token presented, null when none matches. */
  check(headers: Headers): string | null {
    for (const v of candidates(headers)) {
      const name = this.match(v);
      if (name) return name;
    }
    return null;
  }

  match(value: string): string | null {
    const b = Buffer.from(value);
    for (const t of this.tokens)
      if (t.value.length === b.length && timingSafeEqual(t.value, b)) return t.name;
    return null;
  }
}

function candidates(h: Headers): string[] {
  const out: string[] = [];
  const push = (v: string | string[] | undefined) => {
    if (typeof v === 'string' && v) out.push(v);
  };
  push(h['x-penny-key']);
  const auth = h.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) out.push(m[1]!.trim());
  }
  push(h['x-api-key']);
  return out;
}

/** Whether the request carries a virtual key (checked later by the guard stage, which may need a store). */
export function presentsVirtualKey(headers: Headers): boolean {
  return candidates(headers).some(looksLikeVirtualKey);
}
