/**
 * Managing virtual keys (the library behind `penny keys …`): options are validated with zod, so a bad
 * flag is reported by name (`--budget: expected <usd>/<window> …`); the key text is returned once by
 * create and rotate and never stored.
 */
import { z } from 'zod';
import { PennyError } from '../core/errors.js';
import { budgetNameSchema, windowSchema } from './config.js';
import { KeyNameTaken, type KeyStore, type VirtualKeyRecord } from './key-store.js';
import { keyText, newKeyId, newSecret } from './virtual-key.js';

const list = (field: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .refine((a) => a.length > 0, { message: `--${field}: give at least one value (comma separated)` });

const budgetFlag = z.string().transform((s, c) => {
  const m = /^\$?(\d+(?:\.\d+)?)\s*\/\s*(\S+)$/.exec(s.trim());
  const w = m ? windowSchema.safeParse(m[2]) : null;
  if (!m || !w?.success) {
    c.addIssue({
      code: 'custom',
      message: `--budget: expected <usd>/<window> such as 50/month, 5/day, 100/total or 20/24h, got "${s}"`,
    });
    return z.NEVER;
  }
  return { limitUsd: m[1]!, window: w.data };
});

const positiveInt = (field: string) =>
  z
    .union([z.number(), z.string()])
    .transform((v) => Number(v))
    .refine((n) => Number.isInteger(n) && n > 0, { message: `--${field}: a whole number above 0` });

const expiresFlag = z.string().transform((s, c) => {
  const m = /^(\d+)([hdw])$/.exec(s.trim());
  if (m)
    return (
      Date.now() + Number(m[1]) * { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'h' | 'd' | 'w']
    );
  const t = Date.parse(s);
  if (Number.isNaN(t)) {
    c.addIssue({
      code: 'custom',
      message: `--expires: expected a span such as 30d, 12h, 2w or an ISO date, got "${s}"`,
    });
    return z.NEVER;
  }
  return t;
});

export const createKeyOptionsSchema = z.strictObject({
  name: budgetNameSchema.describe('--name'),
  features: list('features').optional(),
  models: list('models').optional(),
  budget: budgetFlag.optional(),
  rpm: positiveInt('rpm').optional(),
  tpm: positiveInt('tpm').optional(),
  expires: expiresFlag.optional(),
});

export type CreateKeyOptions = z.input<typeof createKeyOptionsSchema>;

/** Validates flags; the first problem becomes a PennyError naming the flag. */
export function parseFlags<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const msg = issue.message.startsWith('--') ? issue.message : `--${path}: ${issue.message}`;
  throw new PennyError('invalid_request', msg, { param: path });
}

export async function createKey(
  store: KeyStore,
  input: CreateKeyOptions,
): Promise<{ key: string; record: VirtualKeyRecord }> {
  const o = parseFlags(createKeyOptionsSchema, input);
  const { secret, salt, hash } = newSecret();
  const record: VirtualKeyRecord = {
    id: newKeyId(),
    name: o.name,
    salt,
    hash,
    createdAt: Date.now(),
    expiresAt: o.expires ?? null,
    revokedAt: null,
    rotatedAt: null,
    features: o.features ?? null,
    models: o.models ?? null,
    budget: o.budget ?? null,
    rpm: o.rpm ?? null,
    tpm: o.tpm ?? null,
  };
  try {
    await store.insert(record);
  } catch (e) {
    if (e instanceof KeyNameTaken)
      throw new PennyError(
        'invalid_request',
        `--name: a key named "${o.name}" already exists (names stay taken after revoke)`,
        {
          param: 'name',
        },
      );
    throw e;
  }
  return { key: keyText(record.id, secret), record };
}

async function existing(store: KeyStore, name: string): Promise<VirtualKeyRecord> {
  const rec = await store.findByName(name);
  if (!rec)
    throw new PennyError('invalid_request', `no key named "${name}" (see penny keys list)`, {
      param: 'name',
    });
  return rec;
}

/** New secret for the same key (same name, limits and spend); the old secret stops working at once. */
export async function rotateKey(
  store: KeyStore,
  name: string,
): Promise<{ key: string; record: VirtualKeyRecord }> {
  const rec = await existing(store, name);
  if (rec.revokedAt !== null)
    throw new PennyError('invalid_request', `key "${name}" is revoked; create a new one`);
  const { secret, salt, hash } = newSecret();
  const record = { ...rec, salt, hash, rotatedAt: Date.now() };
  await store.update(record);
  return { key: keyText(record.id, secret), record };
}

export async function revokeKey(store: KeyStore, name: string): Promise<VirtualKeyRecord> {
  const rec = await existing(store, name);
  if (rec.revokedAt !== null) return rec;
  const record = { ...rec, revokedAt: Date.now() };
  await store.update(record);
  return record;
}

export function showKey(store: KeyStore, name: string): Promise<VirtualKeyRecord> {
  return existing(store, name);
}

/** A key's state in words: active, revoked, expired. */
export function keyState(rec: VirtualKeyRecord, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (rec.revokedAt !== null) return 'revoked';
  if (rec.expiresAt !== null && rec.expiresAt <= now) return 'expired';
  return 'active';
}

/** The record without its salt and hash, for output. */
export function publicKeyView(rec: VirtualKeyRecord, now = Date.now()) {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  return {
    name: rec.name,
    id: rec.id,
    state: keyState(rec, now),
    createdAt: iso(rec.createdAt),
    expiresAt: iso(rec.expiresAt),
    revokedAt: iso(rec.revokedAt),
    rotatedAt: iso(rec.rotatedAt),
    features: rec.features,
    models: rec.models,
    budget: rec.budget ? `${rec.budget.limitUsd}/${rec.budget.window}` : null,
    rpm: rec.rpm,
    tpm: rec.tpm,
  };
}
