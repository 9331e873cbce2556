/**
 * Runs a cascade in the gateway: each step's model is called without writing to the client
 * (`executeToResponse`), its answer checked (plus an optional parallel peer and judge), and
 * `decideCascade` — the same decision the replay benchmark runs — says whether to accept or escalate.
 * Checks read the answer's text (an answer that only calls tools is checked on the calls' arguments, so a
 * `jsonSchema` check can validate them). The client is answered once, with the accepted answer; a streaming client gets it replayed as a stream
 * after the checks pass (the "hold"). Every call counts: each is reported to settle (`ctx.money.calls`),
 * which makes the cost their exact sum and measures the `cascade` saving against the model the client
 * asked for — negative when escalation made the request dearer. A check that throws, a judge that answers garbage and an
 * unreachable model are recorded as failures; when no step produced an answer the requested model serves
 * the request, so a cascade never drops one.
 */
import { PennyError } from '../../core/errors.js';
import { moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import { type CanonicalResponse, type Choice, choiceText } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import { CODECS } from '../../providers/codecs.js';
import type { Target } from '../../providers/resolve-target.js';
import { runCodeTests } from '../../sandbox/code-tests.js';
import { countText } from '../../tokens/index.js';
import type { CandidateAnswer, Check, CheckContext, CheckResult, TokenLogprob } from '../cascade/checks.js';
import type { CompiledCascade, CompiledStep } from '../cascade/compile-cascade.js';
import { judgeCheck, judgeRequest } from '../cascade/judge.js';
import { type CascadeDecision, decideCascade, peersOf, type StepOutcome } from '../cascade/policy.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import { lastUserText } from '../route/rules.js';
import type { BilledCall } from '../settle/facts.js';
import { defineSlot } from '../slots.js';
import { responseToEvents } from '../stream/response-to-events.js';
import { type FallbackDeps, executeWithFallbacks, recordAttempt } from './fallback.js';
import { errorOutcome, writeEventsAsStream } from './single.js';
import { executeToResponse } from './to-response.js';

export type CascadeDeps = FallbackDeps;

export interface CascadeAttemptMeta {
  step: number;
  purpose: 'cascade' | 'parallel' | 'judge' | 'fallback';
  model: string;
  provider: string | null;
  status: number | null;
  code?: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  /** Exact cost of this call (decimal USD), null when unpriced; written at settle. */
  costUsd?: string | null;
  checks?: Array<Pick<CheckResult, 'name' | 'passed' | 'detail' | 'score' | 'latencyMs' | 'cpuMs'>>;
  passed?: boolean;
}

/** What the cascade did, in ledger `meta.cascade`; the amounts are settle's. */
export interface CascadeMeta {
  models: readonly string[];
  /** One per call, in the order the calls were reported to settle (`ctx.money.calls`). */
  attempts: CascadeAttemptMeta[];
  totalCostUsd?: string | null;
  accepted?: { reason: string; step: number | null; model: string | null };
  holdMs?: number;
  savedUsd?: string;
}

export const CASCADE = defineSlot<CascadeMeta>('cascade', {
  onSettle(meta, s) {
    meta.attempts.forEach((a, i) => {
      const cost = s.calls[i]?.cost;
      a.costUsd = cost === undefined || cost === null ? null : moneyToDecimal(cost);
    });
    meta.totalCostUsd = s.spend === null ? null : moneyToDecimal(s.spend);
    if (s.savings.cascade !== undefined) meta.savedUsd = moneyToDecimal(s.savings.cascade);
  },
});

interface Call {
  target: Target | null;
  outcome: Outcome;
  meta: CascadeAttemptMeta;
}

/** Runs every check; a check that throws fails (and says so) instead of failing the request. */
export function runChecksSafely(
  answer: CandidateAnswer,
  checks: readonly Check[],
  ctx: CheckContext,
): CheckResult[] {
  return checks.map((c) => {
    try {
      return c.run(answer, ctx);
    } catch (e) {
      return { name: c.name, passed: false, detail: `check threw: ${(e as Error).message}` };
    }
  });
}

/** OpenAI's `logprobs.content[]` as token log-probabilities, when present and well formed. */
export function tokenLogprobs(v: unknown): TokenLogprob[] | null {
  const content = (v as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return null;
  const out: TokenLogprob[] = [];
  for (const t of content) {
    const token = (t as { token?: unknown }).token;
    const logprob = (t as { logprob?: unknown }).logprob;
    if (typeof token === 'string' && typeof logprob === 'number') out.push({ token, logprob });
  }
  return out.length ? out : null;
}

/** What the checks read: the answer's text, or for an answer that is only tool calls, their arguments. */
export function answerText(choice: Choice): string {
  const text = choiceText(choice);
  if (text.trim() !== '') return text;
  const calls = choice.content.filter((p) => p.type === 'tool_call');
  if (calls.length === 1) return calls[0]!.arguments;
  return calls.length ? JSON.stringify(calls.map((c) => ({ name: c.name, arguments: c.arguments }))) : text;
}

function withoutLogprobs(r: CanonicalResponse): CanonicalResponse {
  return { ...r, choices: r.choices.map(({ logprobs: _drop, ...c }) => c) };
}

const usageTokens = (u: Usage | null) => ({
  inputTokens: u ? u.inputUncached + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h : 0,
  outputTokens: u ? u.outputText + u.reasoning : 0,
});

export async function executeCascade(
  ctx: RequestContext,
  cascade: CompiledCascade,
  deps: CascadeDeps,
): Promise<Outcome> {
  const calls: Call[] = [];
  const billed: BilledCall[] = [];
  ctx.money.calls = billed;
  const outcomes: StepOutcome[] = [];
  const stepCalls: (Call | null)[] = [];
  const question = lastUserText(ctx.request);
  const report = (c: Call) => {
    calls.push(c);
    const o = c.outcome;
    billed.push({ model: o.servedModel ?? c.meta.model, provider: o.provider, usage: o.usage });
  };

  /** One call: the target resolved once, the request built for it (default: the client's). */
  const call = async (
    ref: string,
    step: number,
    purpose: CascadeAttemptMeta['purpose'],
    requestFor: (target: Target) => CanonicalRequest = () => ctx.request,
  ): Promise<Call> => {
    const t0 = process.hrtime.bigint();
    let target: Target | null = null;
    let outcome: Outcome;
    try {
      target = deps.resolve(ref);
      outcome = (await executeToResponse(ctx, target, deps, requestFor(target))).outcome;
    } catch (e) {
      const err =
        e instanceof PennyError ? e : new PennyError('internal', (e as Error).message, { cause: e });
      outcome = errorOutcome(ctx, err, { provider: null, servedModel: null, simulated: false });
    }
    recordAttempt(ctx, target, ref, outcome, t0, { purpose });
    const meta: CascadeAttemptMeta = {
      step,
      purpose,
      model: target?.model ?? ref,
      provider: target?.provider.name ?? null,
      status: outcome.httpStatus,
      latencyMs: Math.round(elapsedMs(t0) * 1000) / 1000,
      ...usageTokens(outcome.usage),
    };
    if (outcome.error) meta.code = outcome.error.code;
    const c: Call = { target, outcome, meta };
    report(c);
    return c;
  };

  const answerOf = (c: Call | null): CandidateAnswer | null => {
    const r = c?.outcome.status === 'ok' ? c.outcome.response : null;
    const choice = r?.choices[0];
    if (!choice) return null;
    return { text: answerText(choice), logprobs: tokenLogprobs(choice.logprobs) };
  };

  let decision: Extract<CascadeDecision, { action: 'accept' | 'fail' }>;
  for (;;) {
    const d = decideCascade(cascade.models, outcomes);
    if (d.action !== 'call') {
      decision = d;
      break;
    }
    const step = cascade.steps[d.step]!;
    const last = d.step === cascade.steps.length - 1;
    const [main, peer] = await Promise.all([
      call(step.model, d.step, 'cascade', (target) => stepRequest(ctx, step, target)),
      !last && step.parallelWith ? call(step.parallelWith, d.step, 'parallel') : Promise.resolve(null),
    ]);
    stepCalls.push(main);
    if (ctx.signal.aborted) return finish(ctx, cascade, calls, aborted(ctx), null);
    const answer = answerOf(main);
    if (answer === null) {
      outcomes.push({
        model: step.model,
        answer: null,
        checks: [],
        passed: false,
        error: main.outcome.error?.code ?? `status ${main.outcome.httpStatus}`,
      });
      main.meta.passed = false;
      continue;
    }
    const peerAnswer = answerOf(peer);
    const peers = [
      ...(peerAnswer && step.parallelWith ? [{ model: step.parallelWith, answer: peerAnswer }] : []),
      ...peersOf(outcomes),
    ];
    const results = runChecksSafely(answer, step.checks, {
      peers,
      prompt: question,
      countTokens: (t) => countText(t, main.target?.model ?? step.model).tokens,
    });
    if (!last && step.codeTests) {
      if (results.every((r) => r.passed))
        results.push(await runCodeTests(step.codeTests, answer.text, question));
      else results.push({ name: 'codeTests', passed: false, detail: 'skipped: an earlier check failed' });
    }
    if (!last && step.judge) {
      if (results.every((r) => r.passed))
        results.push(await judge(ctx, step, question, answer.text, d.step, cascade, call));
      else results.push({ name: 'judge', passed: false, detail: 'skipped: an earlier check failed' });
    }
    const passed = results.every((r) => r.passed);
    main.meta.checks = results.map((r) => ({
      name: r.name,
      passed: r.passed,
      ...(r.detail !== undefined ? { detail: r.detail } : {}),
      ...(r.score !== undefined ? { score: r.score } : {}),
      ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
      ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}),
    }));
    main.meta.passed = passed;
    outcomes.push({ model: step.model, answer, checks: results, passed });
  }

  if (decision.action === 'fail') {
    // No step produced an answer: the model the client asked for serves the request, as without a cascade.
    ctx.flags.push('cascade_failed');
    const t0 = process.hrtime.bigint();
    const out = await executeWithFallbacks(ctx, [ctx.original.model], deps);
    report({
      target: null,
      outcome: out,
      meta: {
        step: cascade.steps.length,
        purpose: 'fallback',
        model: out.provider ? (out.servedModel ?? ctx.original.model) : ctx.original.model,
        provider: out.provider,
        status: out.httpStatus,
        latencyMs: Math.round(elapsedMs(t0) * 1000) / 1000,
        ...usageTokens(out.usage),
        ...(out.error ? { code: out.error.code } : {}),
      },
    });
    return finish(ctx, cascade, calls, out, {
      reason: decision.reason,
      step: null,
      model: out.servedModel,
    });
  }

  const accepted = stepCalls[decision.step]!;
  const step = cascade.steps[decision.step]!;
  let response = accepted.outcome.response!;
  const forced = step.wantsLogprobs && ctx.request.logprobs !== true;
  if (forced) response = withoutLogprobs(response);
  const base = {
    provider: accepted.outcome.provider,
    servedModel: accepted.outcome.servedModel,
    simulated: false,
  };
  if (accepted.target) ctx.headers['x-penny-provider'] = accepted.target.provider.name;
  ctx.headers['x-penny-cascade'] = `step=${decision.step}; model=${decision.model}`;
  let served: Outcome;
  if (ctx.request.stream) {
    served = writeEventsAsStream(ctx, responseToEvents(response), response, base);
  } else {
    served = {
      ...accepted.outcome,
      body: forced
        ? JSON.stringify(CODECS[ctx.clientDialect].renderResponse(response, ctx.request))
        : (accepted.outcome.body ?? ''),
      response,
    };
  }
  return finish(ctx, cascade, calls, served, {
    reason: decision.reason,
    step: decision.step,
    model: decision.model,
  });
}

/** The request a step sends: with log-probabilities asked for when a check reads them (OpenAI format only). */
function stepRequest(ctx: RequestContext, step: CompiledStep, target: Target): CanonicalRequest {
  if (!step.wantsLogprobs || ctx.request.logprobs === true) return ctx.request;
  if (target.provider.type === 'anthropic') return ctx.request;
  return { ...ctx.request, logprobs: true };
}

async function judge(
  ctx: RequestContext,
  step: CompiledStep,
  question: string,
  answer: string,
  stepIndex: number,
  cascade: CompiledCascade,
  call: (ref: string, step: number, purpose: 'judge', requestFor: () => CanonicalRequest) => Promise<Call>,
): Promise<CheckResult> {
  const j = step.judge!;
  const req = judgeRequest(ctx.request, j.model, question, answer, {
    instructions: j.instructions,
    maxAnswerChars: cascade.judgeMaxAnswerChars,
  });
  const c = await call(j.model, stepIndex, 'judge', () => req);
  const r = c.outcome.status === 'ok' ? c.outcome.response?.choices[0] : undefined;
  const result = judgeCheck(r ? choiceText(r) : null, j.minScore, c.outcome.error?.message);
  c.meta.checks = [
    { name: 'judge', passed: result.passed, ...(result.detail ? { detail: result.detail } : {}) },
  ];
  return result;
}

function aborted(ctx: RequestContext): Outcome {
  return errorOutcome(
    ctx,
    new PennyError('client_aborted', 'the client closed the connection during the cascade'),
    {
      provider: null,
      servedModel: null,
      simulated: false,
    },
  );
}

/** Reports the cascade to settle: its calls are the spend, its saving is measured at the requested model. */
function finish(
  ctx: RequestContext,
  cascade: CompiledCascade,
  calls: readonly Call[],
  out: Outcome,
  accepted: { reason: string; step: number | null; model: string | null } | null,
): Outcome {
  const meta: CascadeMeta = { models: cascade.models, attempts: calls.map((c) => c.meta) };
  if (accepted) meta.accepted = accepted;
  if (ctx.request.stream) meta.holdMs = Math.round(elapsedMs(ctx.t0) * 1000) / 1000;
  ctx.slots.set(CASCADE, meta);
  ctx.money.substitution = { tactic: 'cascade', onlyIfDifferent: false };
  return out;
}
