/**
 * A circuit breaker per provider and model. After `failureThreshold` consecutive failures that say the
 * target is unwell (5xx, timeouts, connection failures, and rate limits unless told otherwise), the circuit
 * opens: calls are refused for `coolDownMs` and the request goes straight to its fallbacks. Then it is
 * half-open: up to `halfOpenProbes` calls go through at once; a success closes it, a failure opens it again
 * for another cool-down. A client's own mistakes (400, 401, 404 …) and client aborts say nothing about the
 * target and are not counted.
 *
 * The clock is injected, so tests step time instead of waiting.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
  halfOpenProbes: number;
  /** Count 429s as failures (default true: a provider shedding load is unwell for this purpose). */
  countRateLimits: boolean;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failureThreshold: 5,
  coolDownMs: 30_000,
  halfOpenProbes: 1,
  countRateLimits: true,
};

export interface CircuitSnapshot {
  provider: string;
  model: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** When an open circuit lets its next probe through, ms since the epoch. */
  retryAt: number | null;
  /** Times the circuit has opened since start. */
  opened: number;
}

interface Circuit {
  provider: string;
  model: string;
  state: CircuitState;
  failures: number;
  openedAt: number;
  probes: number;
  opened: number;
}

/** What a call's outcome says about its target. */
export type Verdict = 'success' | 'failure' | 'neutral';

/** Classifies an upstream outcome by its HTTP status and error code. */
export function verdictOf(
  o: { status: 'ok' | 'error' | 'aborted'; httpStatus: number; errorCode: string | null },
  opts: Pick<BreakerOptions, 'countRateLimits'> = DEFAULT_BREAKER,
): Verdict {
  if (o.status === 'ok') return 'success';
  if (o.status === 'aborted' || o.errorCode === 'client_aborted') return 'neutral';
  switch (o.errorCode) {
    case 'upstream_timeout':
    case 'upstream_unreachable':
    case 'upstream_stream_broken':
    case 'upstream_bad_response':
    case 'upstream_error':
      return 'failure';
    case 'upstream_rate_limited':
      return opts.countRateLimits ? 'failure' : 'neutral';
    default:
      return o.httpStatus >= 500 && o.httpStatus !== 501 ? 'failure' : 'neutral';
  }
}

/** Most (provider, model) circuits tracked. */
export const MAX_CIRCUITS = 1000;

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  private readonly listeners: Array<(c: CircuitSnapshot, from: CircuitState) => void> = [];

  constructor(
    readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Called on every state change (metrics, logs). */
  onChange(f: (c: CircuitSnapshot, from: CircuitState) => void): void {
    this.listeners.push(f);
  }

  private circuit(provider: string, model: string): Circuit {
    const key = `${provider}\u0000${model}`;
    let c = this.circuits.get(key);
    if (!c) {
      // Model names come from clients: past MAX_CIRCUITS targets, new ones share one untracked circuit
      // that is never opened, so memory stays bounded and no unknown target is refused.
      if (this.circuits.size >= MAX_CIRCUITS) return this.untracked(provider, model);
      c = { provider, model, state: 'closed', failures: 0, openedAt: 0, probes: 0, opened: 0 };
      this.circuits.set(key, c);
    }
    return c;
  }

  private untracked(provider: string, model: string): Circuit {
    return { provider, model, state: 'closed', failures: 0, openedAt: 0, probes: 0, opened: 0 };
  }

  private move(c: Circuit, to: CircuitState): void {
    const from = c.state;
    if (from === to) return;
    c.state = to;
    if (to === 'open') {
      c.openedAt = this.now();
      c.opened++;
    }
    if (to !== 'half_open') c.probes = 0;
    for (const f of this.listeners) f(this.snapshotOf(c), from);
  }

  /**
   * Asks to call a target. `{ allowed: false }` while the circuit is open (with when to come back); a
   * half-open circuit admits up to `halfOpenProbes` calls at once. An allowed call must be followed by
   * exactly one `record()` (or `release()` when it never reached the target).
   */
  acquire(provider: string, model: string): { allowed: true } | { allowed: false; retryAt: number } {
    const c = this.circuit(provider, model);
    if (c.state === 'open') {
      const retryAt = c.openedAt + this.options.coolDownMs;
      if (this.now() < retryAt) return { allowed: false, retryAt };
      this.move(c, 'half_open');
    }
    if (c.state === 'half_open') {
      if (c.probes >= this.options.halfOpenProbes)
        return { allowed: false, retryAt: this.now() + Math.min(1000, this.options.coolDownMs) };
      c.probes++;
    }
    return { allowed: true };
  }

  /** Reports the outcome of an acquired call. */
  record(provider: string, model: string, verdict: Verdict): void {
    const c = this.circuit(provider, model);
    if (c.state === 'half_open' && c.probes > 0) c.probes--;
    if (verdict === 'success') {
      c.failures = 0;
      this.move(c, 'closed');
      return;
    }
    if (verdict === 'neutral') return;
    c.failures++;
    if (c.state === 'half_open' || c.failures >= this.options.failureThreshold) {
      this.move(c, 'open');
      // A failure seen while already open (a call admitted before it opened) starts a fresh cool-down too.
      c.openedAt = this.now();
    }
  }

  private snapshotOf(c: Circuit): CircuitSnapshot {
    return {
      provider: c.provider,
      model: c.model,
      state: c.state,
      consecutiveFailures: c.failures,
      retryAt: c.state === 'open' ? c.openedAt + this.options.coolDownMs : null,
      opened: c.opened,
    };
  }

  /** Every circuit seen so far, for /metrics and the dashboard. */
  snapshot(): CircuitSnapshot[] {
    return [...this.circuits.values()].map((c) => this.snapshotOf(c));
  }

  /** The state as a circuit would report it now (an elapsed cool-down reads as half-open). */
  stateOf(provider: string, model: string): CircuitState {
    const c = this.circuits.get(`${provider}\u0000${model}`);
    if (!c) return 'closed';
    if (c.state === 'open' && this.now() >= c.openedAt + this.options.coolDownMs) return 'half_open';
    return c.state;
  }
}
