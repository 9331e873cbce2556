/**
 * In-flight de-duplication across instances (the cache stage's side of flight-board.ts). After a miss,
 * an instance takes the key's lease and calls upstream, or — when another instance holds it — waits for
 * that instance's answer and serves it rendered for its own client (streamed when the client streams).
 * Like a local follower, it makes no call (unbilled) and reports the leader's spend as the alternative
 * (`cache.dedupe`). A leader that fails publishes nothing and one that dies lets its lease lapse: the
 * followers then call upstream themselves. A board that cannot be reached means "alone": the request is
 * served as if there were no other instance, and counted.
 * A streaming follower gets the leader's stream as it is produced (remote-stream.ts), not after the whole
 * answer. If the leader fails or dies before its first byte, the follower calls upstream itself; once bytes
 * were forwarded it cannot start over, so its stream ends with an error event instead (nothing billed).
 */
import type { Money } from '../../../core/money.js';
import type { Logger } from '../../../observability/logger.js';
import type { Outcome, RequestContext } from '../../context.js';
import type { CacheMeta } from '../cache-meta.js';
import { decodeAnswer, encodeAnswer } from '../entry-codec.js';
import { serveAnswer } from '../serve-answer.js';
import { countCache } from '../stats.js';
import type { FlightBoard, Lease } from './flight-board.js';
import { StreamForwarder } from './remote-stream.js';

export type RemoteRole =
  | { role: 'leader'; lease: Lease }
  | { role: 'followed'; outcome: Outcome; cost: Money | null }
  | { role: 'alone' };

/** Leads the key, or follows the instance that leads it; `alone` when the board fails or the leader did. */
export async function leadOrFollow(
  ctx: RequestContext,
  meta: CacheMeta,
  board: FlightBoard,
  key: string,
  maxWaitMs: number,
  logger: Logger,
): Promise<RemoteRole> {
  let lease: Lease | null;
  try {
    lease = await board.lead(key);
  } catch (e) {
    boardFault(logger, e);
    return { role: 'alone' };
  }
  if (lease) return { role: 'leader', lease };
  if (ctx.request.stream) return followStream(ctx, meta, board, key, maxWaitMs, logger);
  const text = await board.wait(key, ctx.signal, maxWaitMs);
  const shared = text === null ? null : parseResult(text, key);
  if (!shared) {
    countCache('fleetFallback');
    return { role: 'alone' };
  }
  becomeFollower(ctx, meta);
  const outcome = serveAnswer(ctx, shared.answer.response, shared.answer);
  if (outcome.status === 'ok')
    ctx.money.replaced = { kind: 'shared', tactic: 'cache.dedupe', cost: shared.cost };
  return { role: 'followed', outcome, cost: shared.cost };
}

/** A streaming follower: the leader's stream forwarded as it comes, or its result when it did not stream. */
async function followStream(
  ctx: RequestContext,
  meta: CacheMeta,
  board: FlightBoard,
  key: string,
  maxWaitMs: number,
  logger: Logger,
): Promise<RemoteRole> {
  const fwd = new StreamForwarder(ctx, () => becomeFollower(ctx, meta));
  let text: string | null = null;
  try {
    text = (await board.follow(key, ctx.signal, maxWaitMs, (op) => fwd.op(op))).result;
  } catch (e) {
    boardFault(logger, e);
    if (!fwd.started) return { role: 'alone' };
  }
  const shared = text === null ? null : parseResult(text, key);
  if (!fwd.started) {
    // The leader did not stream (or failed before its first byte): as for a non-streaming follower.
    if (!shared) {
      countCache('fleetFallback');
      return { role: 'alone' };
    }
    becomeFollower(ctx, meta);
    const outcome = serveAnswer(ctx, shared.answer.response, shared.answer);
    if (outcome.status === 'ok')
      ctx.money.replaced = { kind: 'shared', tactic: 'cache.dedupe', cost: shared.cost };
    return { role: 'followed', outcome, cost: shared.cost };
  }
  const outcome = fwd.finish(shared?.answer ?? null);
  if (outcome.status === 'ok')
    ctx.money.replaced = { kind: 'shared', tactic: 'cache.dedupe', cost: shared!.cost };
  return { role: 'followed', outcome, cost: shared?.cost ?? null };
}

/** Books this request as a follower of another instance's call: unbilled, `x-penny-cache: dedupe`. */
function becomeFollower(ctx: RequestContext, meta: CacheMeta): void {
  countCache('dedupeFollower');
  countCache('fleetFollower');
  ctx.money.unbilled = true;
  meta.status = 'dedupe';
  meta.fleet = true;
  ctx.headers['x-penny-cache'] = 'dedupe';
}

/** Publishes the leader's answer (when it has one) and frees the lease; never throws. */
export function releaseLease(
  lease: Lease,
  key: string,
  outcome: Outcome,
  cost: Money | null,
  logger: Logger,
): Promise<void> {
  let text: string | null = null;
  if (outcome.status === 'ok' && outcome.response) {
    const now = Date.now();
    const answer = encodeAnswer({
      key,
      storedAt: now,
      expiresAt: now + 60_000,
      provider: outcome.provider,
      servedModel: outcome.servedModel,
      simulated: outcome.simulated,
      response: { ...outcome.response, usage: outcome.usage },
    });
    text = JSON.stringify({ answer, cost: cost === null ? null : cost.toString() });
  }
  return lease.release(text).catch((e: unknown) => boardFault(logger, e));
}

function parseResult(text: string, key: string) {
  try {
    const r = JSON.parse(text) as { answer?: unknown; cost?: unknown };
    if (typeof r.answer !== 'string') return null;
    const d = decodeAnswer(r.answer, key, Date.now());
    if (!d.ok) return null;
    const cost = typeof r.cost === 'string' && /^-?\d{1,30}$/.test(r.cost) ? BigInt(r.cost) : null;
    return { answer: d.answer, cost };
  } catch {
    return null;
  }
}

let lastWarn = 0;
function boardFault(logger: Logger, e: unknown): void {
  countCache('fleetError');
  if (Date.now() - lastWarn < 10_000) return;
  lastWarn = Date.now();
  logger.warn('shared in-flight board unreachable; requests are served as if by one instance', { error: e });
}
