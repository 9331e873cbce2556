/**
 * Runs an ordered list of targets: each is retried on a retryable failure (429, 5xx, timeouts, connection
 * failures — `ProviderError.retryable`) with backoff, then the next target is tried, across providers (the
 * execute step renders the request in each target's dialect). Nothing is retried once a stream has started
 * to reach the client, and a client that went away stops the loop. Every attempt is recorded in
 * the `attempts` slot (ledger `meta.attempts`); the returned outcome is the first success, or the last failure.
 */
import type { CallSignal } from '../../core/call-signal.js';
import { asPennyError } from '../../core/errors.js';
import type { Target } from '../../providers/resolve-target.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import type { BilledCall } from '../settle/facts.js';
import { defineSlot } from '../slots.js';
import { executeAttempt } from './attempt.js';
import { parseRetryAfter, retryDelayMs, sleep as realSleep } from './backoff.js';
import type { RetryPolicy } from './plan.js';
import { errorOutcome } from './outcomes.js';
import type { ExecuteDeps } from './single.js';

export interface AttemptRecord {
  provider: string | null;
  model: string;
  /** HTTP status of the attempt: the provider's when it answered, else Penny's (e.g. 502 unreachable). */
  status: number | null;
  /** Error code when it failed. */
  code: string | null;
  latencyMs: number;
  /** What the call was for: route (default), cascade, parallel, judge, fallback. */
  purpose?: string;
  /** Retry number on the same target (0 = first try). */
  retry?: number;
}

export interface TargetDeps extends ExecuteDeps {
  /** The target serving a model name (throws when none does). */
  resolve(ref: string): Target;
  /** The client's own provider key suited to the target, when pass-through applies. */
  keyFor(target: Target): string | undefined;
}

export interface FallbackDeps extends TargetDeps {
  retry: RetryPolicy;
  sleep?: (ms: number, signal: CallSignal) => Promise<boolean>;
  random?: () => number;
  /** One call to one target; default `executeAttempt` (per-target adapters, then `executeSingle`). */
  run?: (ctx: RequestContext, target: Target, deps: ExecuteDeps) => Promise<Outcome>;
}

/** Every upstream attempt of a request, in order (ledger `meta.attempts`). */
export const ATTEMPTS = defineSlot<AttemptRecord[]>('attempts');

/** The attempts list of a request (created on first use). */
export function attemptsOf(ctx: RequestContext): AttemptRecord[] {
  return ctx.slots.get(ATTEMPTS) ?? ctx.slots.set(ATTEMPTS, []);
}

export function recordAttempt(
  ctx: RequestContext,
  target: Target | null,
  model: string,
  outcome: Pick<Outcome, 'httpStatus' | 'error'>,
  startedNs: bigint,
  extra: Pick<AttemptRecord, 'purpose' | 'retry'> = {},
): AttemptRecord {
  const rec: AttemptRecord = {
    provider: target?.provider.name ?? null,
    model: target?.model ?? model,
    status: outcome.httpStatus,
    code: outcome.error?.code ?? null,
    latencyMs: Math.round(elapsedMs(startedNs) * 1000) / 1000,
  };
  if (extra.purpose) rec.purpose = extra.purpose;
  if (extra.retry) rec.retry = extra.retry;
  attemptsOf(ctx).push(rec);
  return rec;
}

function stops(ctx: RequestContext, o: Outcome): boolean {
  return (
    o.status === 'ok' ||
    o.written ||
    o.status === 'aborted' ||
    ctx.signal.aborted ||
    o.error?.retryable !== true
  );
}

export async function executeWithFallbacks(
  ctx: RequestContext,
  refs: readonly string[],
  deps: FallbackDeps,
): Promise<Outcome> {
  const run = deps.run ?? executeAttempt;
  const sleep = deps.sleep ?? realSleep;
  let last: Outcome | undefined;
  let carry: BilledCall | undefined;
  for (const [i, ref] of refs.entries()) {
    const purpose = i === 0 ? undefined : 'fallback';
    let target: Target;
    const t0 = process.hrtime.bigint();
    try {
      target = deps.resolve(ref);
    } catch (e) {
      last = errorOutcome(ctx, asPennyError(e), { provider: null, servedModel: null, simulated: false });
      recordAttempt(ctx, null, ref, last, t0, purpose ? { purpose } : {});
      continue;
    }
    for (let retry = 0; ; retry++) {
      let retryAfter: number | null = null;
      let upstreamStatus: number | null = null;
      ctx.clientKey = deps.keyFor(target);
      ctx.headers['x-penny-provider'] = target.provider.name;
      if (carry) {
        // Another attempt follows the failed one: its usage, when the provider had the call, is billed all
        // the same (the last failure, when nothing follows, is the request's own outcome instead).
        ctx.money.abandoned = [...(ctx.money.abandoned ?? []), carry];
        carry = undefined;
      }
      const started = process.hrtime.bigint();
      const outcome = await run(ctx, target, {
        upstreams: deps.upstreams,
        logger: deps.logger,
        onUpstreamResponse: (status, headers) => {
          upstreamStatus = status;
          retryAfter = status >= 400 ? parseRetryAfter(headers['retry-after']) : null;
        },
      });
      const seen = { httpStatus: upstreamStatus ?? outcome.httpStatus, error: outcome.error };
      recordAttempt(ctx, target, ref, seen, started, { ...(purpose ? { purpose } : {}), retry });
      if (stops(ctx, outcome)) {
        if (outcome.status === 'ok' && (i > 0 || retry > 0)) ctx.flags.push(i > 0 ? 'fallback' : 'retried');
        return outcome;
      }
      last = outcome;
      if (outcome.usage)
        carry = { model: target.model, provider: target.provider.name, usage: outcome.usage };
      // An open circuit refuses every try of this target until its cool-down ends: go to the next one.
      if (retry >= deps.retry.maxRetries || outcome.error?.code === 'circuit_open') break;
      const wait = retryDelayMs(deps.retry, retry, retryAfter, deps.random);
      if (wait === null) break;
      if (!(await sleep(wait, ctx.signal))) return outcome;
    }
  }
  return (
    last ??
    errorOutcome(ctx, asPennyError(new Error('no target to execute')), {
      provider: null,
      servedModel: null,
      simulated: false,
    })
  );
}
