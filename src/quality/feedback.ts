/**
 * Feedback on answers: `POST /v1/penny/feedback {request_id, score | label | thumbs, comment?}`, or the
 * header `x-penny-feedback: <request_id>;thumbs=up` on a client's next call. Only the key that made a
 * request may rate it: the caller's identities (Penny token name, virtual key name, fingerprints of the
 * provider keys it presents — the same `keyId` forms the gateway records) must include the entry's
 * `keyId`; an unknown id and someone else's id both get 404, so ids cannot be probed. A request made with
 * no key at all (local use without tokens) may be rated by any caller that may reach Penny.
 */
import { z } from 'zod';
import { InvalidRequestError, PennyError } from '../core/errors.js';
import { keyFingerprint } from '../core/key-fingerprint.js';
import { looksLikeVirtualKey } from '../governance/virtual-key.js';
import type { Ledger } from '../ledger/ledger.js';
import { type Feedback, type FeedbackStore, THUMBS } from './quality-stores.js';

export type Headers = Record<string, string | string[] | undefined>;

const feedbackBody = z
  .object({
    request_id: z.string().min(1).max(100),
    score: z.number().min(0).max(1).optional(),
    label: z.string().min(1).max(100).optional(),
    thumbs: z.enum(THUMBS).optional(),
    comment: z.string().max(2000).optional(),
  })
  .refine((b) => b.score !== undefined || b.label !== undefined || b.thumbs !== undefined, {
    message: 'give at least one of score (0..1), label or thumbs ("up" | "down")',
    path: ['score'],
  });

export type FeedbackInput = z.output<typeof feedbackBody>;

/** The JSON body, or a 400 naming the field. */
export function parseFeedbackBody(body: unknown): FeedbackInput {
  const r = feedbackBody.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || 'body';
  throw new InvalidRequestError(`${field}: ${issue.message}`, field);
}

/** `<request_id>;thumbs=up;score=0.8;label=wrong` — the header form; a 400 naming the part when malformed. */
export function parseFeedbackHeader(value: string): FeedbackInput {
  const [id, ...parts] = value.split(';').map((p) => p.trim());
  const body: Record<string, unknown> = { request_id: id };
  for (const p of parts) {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq).trim();
    const v = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (k === 'score') body.score = v === '' ? Number.NaN : Number(v);
    else if (k === 'thumbs' || k === 'label' || k === 'comment') body[k] = v;
    else if (k !== '')
      throw new InvalidRequestError(
        `x-penny-feedback: unknown part "${k.slice(0, 40)}" (use <request_id>;thumbs=up|down;score=0..1;label=…)`,
        'x-penny-feedback',
      );
  }
  try {
    return parseFeedbackBody(body);
  } catch (e) {
    throw new InvalidRequestError(`x-penny-feedback: ${(e as Error).message}`, 'x-penny-feedback', e);
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Every keyId the caller can prove: token or virtual-key name, and fingerprints of the keys it sends. */
export function callerIdentities(headers: Headers, named: string | null): Set<string> {
  const ids = new Set<string>();
  if (named !== null) ids.add(named);
  const auth = one(headers.authorization);
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  for (const v of [one(headers['x-penny-provider-key']), m?.[1]?.trim(), one(headers['x-api-key'])])
    if (v && v.length >= 20 && !looksLikeVirtualKey(v)) ids.add(keyFingerprint(v));
  return ids;
}

export class FeedbackService {
  constructor(
    private readonly ledger: Ledger,
    private readonly store: () => Promise<FeedbackStore | null>,
  ) {}

  /** Stores the rating when the caller owns the request; 404 for an unknown or foreign id. */
  async submit(input: FeedbackInput, identities: Set<string>, now = Date.now()): Promise<Feedback> {
    const [entry] = await this.ledger.query({ id: input.request_id, limit: 1 });
    if (!entry || (entry.keyId !== null && !identities.has(entry.keyId)))
      throw new PennyError(
        'not_found',
        `request_id: no request ${input.request_id.slice(0, 100)} made with this key`,
        { param: 'request_id' },
      );
    const store = await this.store();
    if (!store)
      throw new PennyError('internal', 'the feedback store could not be opened; the rating was not stored');
    const f: Feedback = {
      requestId: entry.id,
      keyId: entry.keyId,
      ts: now,
      score: input.score ?? null,
      label: input.label ?? null,
      thumbs: input.thumbs ?? null,
      comment: input.comment ?? null,
    };
    await store.put(f);
    return f;
  }
}
