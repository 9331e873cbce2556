/**
 * Guardrail replay: a too-aggressive tactic (always answer with the cheap model) over recorded outcomes,
 * watched by the same shadow sampling and the same `Guardrail` (Wilson lower bound under the floor) the
 * gateway runs. Each request is served by the cheap model while the tactic is active; a `sampleRate` share
 * of those is evaluated (the strong model's answer is the shadow call, paid for) and the verdict fed to the
 * guardrail. Once it trips, every request is served without the tactic (the strong model) and a
 * `sampleRate` share is run again with it off the path (a tactic run: the cheap model's answer, paid for)
 * and compared, exactly as the `quality-guardrail` stage and the shadow evaluator do. Deterministic: one
 * Python-compatible MT19937 stream for order and sampling.
 */
import type { Money } from '../../core/money.js';
import { Guardrail } from '../../quality/guardrail.js';
import { type QualityFeatureConfig, qualityFeatureSchema } from '../../quality/quality-config.js';
import type { GuardSwitch, Verdict } from '../../quality/quality-stores.js';
import { PyRandom } from './py-random.js';

export interface GuardedRequest {
  costCheap: Money;
  costStrong: Money;
  /** Quality of each model's answer (0/1 correctness). */
  qCheap: number;
  qStrong: number;
  /** Shadow verdict: does the cheap answer agree with the strong one. */
  verdict: Verdict;
}

export interface PhaseStats {
  requests: number;
  /** Served by the cheap model (the tactic applied). */
  cheapServed: number;
  /** Tactic runs while the tactic was shadowed (the cheap model, off the path). */
  tacticRuns: number;
  quality: number;
  strongQuality: number;
  /** What was served, plus the evaluation calls (shadow calls and tactic runs), over all-strong. */
  cost: Money;
  shadowCost: Money;
  baselineCost: Money;
}

export interface GuardrailReplay {
  requests: number;
  cfg: QualityFeatureConfig;
  /** 1-based: the request whose verdict tripped the guardrail; null when it never tripped. */
  trippedAtRequest: number | null;
  /** Verdicts (agree + disagree) the guardrail had seen when it tripped. */
  trippedAtVerdicts: number | null;
  evaluatedAtTrip: number | null;
  trip: GuardSwitch | null;
  switches: GuardSwitch[];
  evaluated: number;
  noVerdict: number;
  before: PhaseStats;
  after: PhaseStats;
}

const phase = (): PhaseStats => ({
  requests: 0,
  cheapServed: 0,
  tacticRuns: 0,
  quality: 0,
  strongQuality: 0,
  cost: 0n,
  shadowCost: 0n,
  baselineCost: 0n,
});

export function replayGuardrail(
  data: readonly GuardedRequest[],
  opts: { seed?: number; quality?: unknown } = {},
): GuardrailReplay {
  const cfg = qualityFeatureSchema.parse(opts.quality ?? {});
  const rng = new PyRandom(opts.seed ?? 0);
  const order = data.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const switches: GuardSwitch[] = [];
  const guard = new Guardrail((s) => switches.push(s));
  const before = phase();
  const after = phase();
  let trip: GuardSwitch | null = null;
  let trippedAtRequest: number | null = null;
  let evaluatedAtTrip: number | null = null;
  let evaluated = 0;
  let noVerdict = 0;
  order.forEach((idx, i) => {
    const r = data[idx]!;
    const p = trip ? after : before;
    const shadowed = guard.shadowed('bench').includes('route');
    p.requests++;
    p.baselineCost += r.costStrong;
    p.strongQuality += r.qStrong;
    p.quality += shadowed ? r.qStrong : r.qCheap;
    p.cost += shadowed ? r.costStrong : r.costCheap;
    if (!shadowed) p.cheapServed++;
    if (rng.random() >= cfg.shadow.sampleRate) return;
    evaluated++;
    // Active: the shadow call is the strong model; shadowed: the tactic run is the cheap one.
    if (shadowed) p.tacticRuns++;
    p.shadowCost += shadowed ? r.costCheap : r.costStrong;
    if (r.verdict === 'none') noVerdict++;
    const s = guard.observe('bench', 'route', r.verdict, cfg, i);
    if (s && s.mode === 'shadow' && !trip) {
      trip = s;
      trippedAtRequest = i + 1;
      evaluatedAtTrip = evaluated;
    }
  });
  const t = trip as GuardSwitch | null;
  return {
    requests: data.length,
    cfg,
    trippedAtRequest,
    trippedAtVerdicts: t ? t.n : null,
    evaluatedAtTrip,
    trip: t,
    switches,
    evaluated,
    noVerdict,
    before,
    after,
  };
}
