/**
 * Per-request cache controls from headers — `x-penny-cache: bypass | refresh`, `x-penny-cache-ttl:
 * <seconds>`, `x-penny-cache-namespace: <name>` — and the namespace a request's entries live in: the
 * tenant (Penny token name, else a fingerprint of the provider key the client sent), the feature and
 * the header's namespace. Entries never cross namespaces, so two tenants never share answers.
 */
import { bearerToken } from '../../core/bearer.js';
import { keyFingerprint } from '../../core/key-fingerprint.js';
import type { RequestContext } from '../context.js';

export type CacheMode = 'normal' | 'bypass' | 'refresh';

export interface CacheControls {
  mode: CacheMode;
  /** From x-penny-cache-ttl, already clamped to `maxTtlSeconds`. */
  ttlSeconds?: number;
  namespace?: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(h: Headers | undefined, name: string): string | undefined {
  const v = h?.[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

/** The controls of a request that sets none (most): one shared object, never changed. */
const NONE: Readonly<CacheControls> = Object.freeze({ mode: 'normal' });

export function readControls(h: Headers | undefined, maxTtlSeconds: number): Readonly<CacheControls> {
  if (!h) return NONE;
  const mode = header(h, 'x-penny-cache')?.toLowerCase();
  const ttl = header(h, 'x-penny-cache-ttl');
  const ns = header(h, 'x-penny-cache-namespace');
  if (mode === undefined && ttl === undefined && ns === undefined) return NONE;
  const out: CacheControls = { mode: 'normal' };
  if (mode === 'bypass' || mode === 'no-cache' || mode === 'off') out.mode = 'bypass';
  else if (mode === 'refresh') out.mode = 'refresh';
  if (ttl !== undefined && /^\d+$/.test(ttl)) {
    const n = Number(ttl);
    if (n > 0) out.ttlSeconds = Math.min(n, maxTtlSeconds);
  }
  if (ns !== undefined) out.namespace = ns.slice(0, 200);
  return out;
}

/** Who the caller is for cache isolation, without ever keeping a key itself. */
export function tenantOf(ctx: Pick<RequestContext, 'attribution' | 'requestHeaders'>): string {
  if (ctx.attribution.keyId) return ctx.attribution.keyId;
  const h = ctx.requestHeaders;
  const key =
    header(h, 'x-penny-provider-key') ?? header(h, 'x-api-key') ?? bearerToken(header(h, 'authorization'));
  if (!key) return 'anon';
  return keyFingerprint(key);
}

/** The last namespace built: consecutive requests of one tenant and feature share its text. */
let last: { tenant: string; feature: string; ns: string; text: string } | undefined;

export function namespaceOf(
  ctx: Pick<RequestContext, 'attribution' | 'requestHeaders'>,
  controls: CacheControls,
): string {
  const tenant = tenantOf(ctx);
  const feature = ctx.attribution.feature ?? '';
  const ns = controls.namespace ?? '';
  if (last !== undefined && last.tenant === tenant && last.feature === feature && last.ns === ns)
    return last.text;
  const text = JSON.stringify([tenant, feature, ns]);
  last = { tenant, feature, ns, text };
  return text;
}
