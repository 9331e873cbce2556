/**
 * Which provider key an upstream call uses when the client sent its own (pass-through keys), and which of
 * the client's credentials must be masked by value while the call is in flight. Shared by the chat gateway
 * and the endpoints beside it (embeddings, legacy completions, count_tokens), so a client that brings its
 * own key is billed on its own account on every route, never on the configured key.
 */
import { bearerToken } from '../core/bearer.js';
import { keyFingerprint } from '../core/key-fingerprint.js';
import { MIN_SECRET_LENGTH } from '../core/known-secrets.js';
import { clientKeyCandidate } from '../providers/client-key.js';
import { PROVIDER_TYPES } from '../providers/registry.js';
import type { Target } from '../providers/resolve-target.js';
import type { Attribution } from './context.js';

type Headers = Record<string, string | string[] | undefined>;

export interface KeyedCall {
  headers: Headers;
  /** Whether a value is one of Penny's own tokens or virtual keys (never forwarded to a provider). */
  isPennyToken?: (value: string) => boolean;
}

/**
 * A provider key the client sent itself, used when pass-through is on and it suits the target's dialect
 * (undefined: use the configured key). Sets the attribution's key id to the key's fingerprint when the call
 * has no Penny identity of its own.
 */
export function providerKeyFor(
  passThroughKeys: boolean,
  call: KeyedCall,
  target: Target,
  attribution: Attribution,
): string | undefined {
  if (!passThroughKeys) return undefined;
  let key = header(call.headers, 'x-penny-provider-key');
  if (!key) {
    // Each provider module says where its SDK sends a key and how its keys look (providers/client-key.ts):
    // an Anthropic key never goes to an OpenAI-format provider and an OpenAI key never to Anthropic.
    const dialect = PROVIDER_TYPES[target.provider.type].dialect;
    const auth = bearerToken(header(call.headers, 'authorization'));
    const candidate = clientKeyCandidate(dialect, (name) => header(call.headers, name), auth);
    // Short values are placeholders ("penny", "sk-none") that SDKs insist on; Penny tokens are never forwarded.
    if (
      candidate &&
      candidate.length >= 20 &&
      // A Penny virtual key (src/governance/virtual-key.ts) is never a provider's: the cheap test first.
      !candidate.startsWith('sk-penny-') &&
      !call.isPennyToken?.(candidate)
    )
      key = candidate;
  }
  // The same fingerprint as the cache namespace's and feedback's, remembered per key (no hash per request).
  if (key && attribution.keyId === null) attribution.keyId = keyFingerprint(key);
  return key;
}

/** The credentials a client sent (any of them may be forwarded upstream and echoed back). */
export function sentSecrets(h: Headers): string[] {
  const out: string[] = [];
  for (const name of ['x-penny-provider-key', 'x-api-key', 'x-penny-key', 'api-key']) {
    const v = header(h, name);
    if (v && v.length >= MIN_SECRET_LENGTH) out.push(v);
  }
  const auth = bearerToken(header(h, 'authorization'));
  if (auth && auth.length >= MIN_SECRET_LENGTH) out.push(auth);
  return out;
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}
