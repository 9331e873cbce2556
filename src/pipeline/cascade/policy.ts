/**
 * The cascade decision, shared by the gateway and the replay benchmark: given the ordered models and the
 * outcomes so far, accept an answer or call the next model. It is pure; the caller does the I/O.
 * The last model's answer is accepted even when its checks fail (there is nothing stronger to ask);
 * when the last call itself fails, the best earlier answer (most checks passed, later wins ties) is
 * served rather than dropping the request.
 */
import type { CandidateAnswer, Check, CheckContext, CheckResult, PeerAnswer } from './checks.js';
import { runChecks } from './checks.js';

export interface CascadeStep {
  model: string;
  checks: readonly Check[];
  /** Also asked alongside this step (never on the last one); its answer is the newest peer for the checks. */
  parallelWith?: string;
}

export interface StepOutcome {
  model: string;
  /** null when the call failed (error, timeout, unparseable reply). */
  answer: CandidateAnswer | null;
  checks: CheckResult[];
  passed: boolean;
  error?: string;
}

export type CascadeDecision =
  | { action: 'call'; step: number; model: string; reason: string }
  | { action: 'accept'; step: number; model: string; reason: string }
  | { action: 'fail'; reason: string };

function failedNames(o: StepOutcome): string {
  const names = o.checks.filter((c) => !c.passed).map((c) => c.name);
  return names.length > 0 ? names.join(', ') : 'none';
}

/** What to do next, given the cascade's models (cheapest first) and the outcomes of the steps run so far. */
export function decideCascade(models: readonly string[], outcomes: readonly StepOutcome[]): CascadeDecision {
  if (models.length === 0) return { action: 'fail', reason: 'cascade has no models' };
  if (outcomes.length === 0) return { action: 'call', step: 0, model: models[0]!, reason: 'start' };
  const i = outcomes.length - 1;
  const last = outcomes[i]!;
  if (last.answer !== null && last.passed) {
    return { action: 'accept', step: i, model: last.model, reason: 'all checks passed' };
  }
  if (i + 1 < models.length) {
    const why =
      last.answer === null ? `call failed: ${last.error ?? 'no answer'}` : `failed: ${failedNames(last)}`;
    return { action: 'call', step: i + 1, model: models[i + 1]!, reason: why };
  }
  if (last.answer !== null) {
    return {
      action: 'accept',
      step: i,
      model: last.model,
      reason: `last model, accepted despite: ${failedNames(last)}`,
    };
  }
  let best = -1;
  let bestPassed = -1;
  outcomes.forEach((o, k) => {
    if (o.answer === null) return;
    const n = o.checks.filter((c) => c.passed).length;
    if (n >= bestPassed) {
      best = k;
      bestPassed = n;
    }
  });
  if (best < 0) return { action: 'fail', reason: 'every model failed' };
  return {
    action: 'accept',
    step: best,
    model: outcomes[best]!.model,
    reason: 'last model failed; best earlier answer',
  };
}

/** Peers for step checks: earlier answers, newest first. */
export function peersOf(outcomes: readonly StepOutcome[]): PeerAnswer[] {
  const out: PeerAnswer[] = [];
  for (let k = outcomes.length - 1; k >= 0; k--) {
    const o = outcomes[k]!;
    if (o.answer !== null) out.push({ model: o.model, answer: o.answer });
  }
  return out;
}

/** Runs one step's checks against its answer, with the earlier answers as peers. */
export function evaluateStep(
  step: CascadeStep,
  answer: CandidateAnswer | null,
  earlier: readonly StepOutcome[],
  ctx: Omit<CheckContext, 'peers'> = {},
  error?: string,
  parallel: readonly PeerAnswer[] = [],
): StepOutcome {
  if (answer === null) {
    return { model: step.model, answer: null, checks: [], passed: false, ...(error ? { error } : {}) };
  }
  const r = runChecks(answer, step.checks, { ...ctx, peers: [...parallel, ...peersOf(earlier)] });
  return { model: step.model, answer, checks: r.results, passed: r.passed };
}

export interface CascadeTrace {
  decision: Extract<CascadeDecision, { action: 'accept' | 'fail' }>;
  outcomes: StepOutcome[];
  /** The `parallelWith` calls made (each one is paid), with the step they ran beside. */
  parallel: { step: number; model: string; answered: boolean }[];
}

/**
 * Walks a cascade with a synchronous answer source (recorded answers in the replay, or a test double).
 * As in the gateway, a step's `parallelWith` model is asked beside it (except on the last step) and its
 * answer is the newest peer for that step's checks. The gateway drives `decideCascade` and `evaluateStep`
 * itself with real calls.
 */
export function walkCascade(
  steps: readonly CascadeStep[],
  getAnswer: (model: string, step: number) => CandidateAnswer | null,
  ctx: Omit<CheckContext, 'peers'> = {},
): CascadeTrace {
  const models = steps.map((s) => s.model);
  const outcomes: StepOutcome[] = [];
  const parallel: CascadeTrace['parallel'] = [];
  for (;;) {
    const d = decideCascade(models, outcomes);
    if (d.action !== 'call') return { decision: d, outcomes, parallel };
    const step = steps[d.step]!;
    const peers: PeerAnswer[] = [];
    if (step.parallelWith !== undefined && d.step < steps.length - 1) {
      const a = getAnswer(step.parallelWith, d.step);
      parallel.push({ step: d.step, model: step.parallelWith, answered: a !== null });
      if (a !== null) peers.push({ model: step.parallelWith, answer: a });
    }
    outcomes.push(evaluateStep(step, getAnswer(d.model, d.step), outcomes, ctx, undefined, peers));
  }
}
