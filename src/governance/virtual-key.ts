/**
 * Virtual keys: `sk-penny-<id>-<secret>`. The id (12 characters) is public and finds the record; the
 * secret (32 base-62 characters, ~190 bits) is checked against HMAC-SHA256 under a per-key random salt, in
 * constant time. A fast hash is enough because the secret is random, not a password; the salt makes two
 * stores' hashes of the same secret unrelated. The key text is shown once, at creation or rotation.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { VirtualKeyRecord } from './key-store.js';

const KEY_RE = /^sk-penny-([a-z0-9]{12})-([A-Za-z0-9]{32})$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function looksLikeVirtualKey(v: string): boolean {
  return v.startsWith('sk-penny-');
}

export function parseVirtualKey(v: string): { id: string; secret: string } | null {
  const m = KEY_RE.exec(v);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

function random(alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export function newKeyId(): string {
  return random(ID_ALPHABET, 12);
}

export function newSecret(): { secret: string; salt: string; hash: string } {
  const secret = random(ALPHABET, 32);
  const salt = randomBytes(16).toString('hex');
  return { secret, salt, hash: hashSecret(salt, secret) };
}

export function keyText(id: string, secret: string): string {
  return `sk-penny-${id}-${secret}`;
}

export function hashSecret(salt: string, secret: string): string {
  return createHmac('sha256', Buffer.from(salt, 'hex')).update(secret).digest('hex');
}

export function secretMatches(rec: Pick<VirtualKeyRecord, 'salt' | 'hash'>, secret: string): boolean {
  const a = Buffer.from(hashSecret(rec.salt, secret), 'hex');
  const b = Buffer.from(rec.hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
