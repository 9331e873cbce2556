/**
 * Runs a cascade in the gateway: each step's model is called without writing to the client
 * (`executeToResponse`), its answer checked (plus an optional parallel peer and judge), and
 * `decideCascade` — the same decision the replay benchmark runs — says whether to accept or escalate.
 * Checks read the answer's text (an answer that only calls tools is checked on the calls' arguments, so a
 * `jsonSchema` check can validate them). The client is answered once, with the accepted answer; a streaming client gets it replayed as a stream
 * after the checks pass (the "hold"). Every call counts: the cost is the exact sum of every attempt's
 * `computeCost`, and `cascade` savings are measured against the model the client asked for — negative
 * when escalation made the request dearer. A check that throws, a judge that answers garbage and an
 * unreachable model are recorded as failures; when no step produced an answer the requested model serves
 * the request, so a cascade never drops one.
 */
import { PennyError } from '../../core/errors.js';
import { type Money, moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import { type CanonicalResponse, type Choice, choiceText } from '../../core/response.js';
import type { Usage } from '../../core/usage.js';
import type { PriceCatalog } from '../../pricing/catalog.js';
import { computeCost } from '../../pricing/cost.js';
import { CODECS } from '../../providers/codecs.js';
import type { Target } from '../../providers/resolve-target.js';
import { countText } from '../../tokens/index.js';
import type { CandidateAnswer, Check, CheckContext, CheckResult, TokenLogprob } from '../cascade/checks.js';
import type { CompiledCascade, CompiledStep } from '../cascade/compile-cascade.js';
import { judgeCheck, judgeRequest } from '../cascade/judge.js';
import { type CascadeDecision, decideCascade, peersOf, type StepOutcome } from '../cascade/policy.js';
import { type Outcome, type RequestContext, elapsedMs } from '../context.js';
import { lastUserText } from '../route/rules.js';
import { responseToEvents } from '../stream/response-to-events.js';
import { type FallbackDeps, executeWithFallbacks, recordAttempt } from './fallback.js';
import { errorOutcome, writeEventsAsStream } from './single.js';
import { executeToResponse } from './to-response.js';

export interface CascadeDeps extends FallbackDeps {
  catalog: PriceCatalog;
}

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
  /** Exact cost of this call (decimal USD), null when unpriced. */
  costUsd: string | null;
  checks?: Array<Pick<CheckResult, 'name' | 'passed' | 'detail' | 'score'>>;
  passed?: boolean;
}

interface Call {
  target: Target | null;
  outcome: Outcome;
  cost: Money | null;
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
  const outcomes: StepOutcome[] = [];
  const stepCalls: (Call | null)[] = [];
  const question = lastUserText(ctx.request);

  const call = async (
    ref: string,
    step: number,
    purpose: CascadeAttemptMeta['purpose'],
    request: CanonicalRequest = ctx.request,
  ): Promise<Call> => {
    const t0 = process.hrtime.bigint();
    let target: Target | null = null;
    let outcome: Outcome;
    try {
      target = deps.resolve(ref);
      outcome = (await executeToResponse(ctx, target, deps, request)).outcome;
    } catch (e) {
      const err =
        e instanceof PennyError ? e : new PennyError('internal', (e as Error).message, { cause: e });
      outcome = errorOutcome(ctx, err, { provider: null, servedModel: null, simulated: false });
    }
    recordAttempt(ctx, target, ref, outcome, t0, { purpose });
    const price = target ? deps.catalog.lookup(target.model, target.provider.name) : undefined;
    const cost = outcome.usage ? computeCost(outcome.usage, price).cost : 0n;
    const meta: CascadeAttemptMeta = {
      step,
      purpose,
      model: target?.model ?? ref,
      provider: target?.provider.name ?? null,
      status: outcome.httpStatus,
      latencyMs: Math.round(elapsedMs(t0) * 1000) / 1000,
      ...usageTokens(outcome.usage),
      costUsd: cost === null ? null : moneyToDecimal(cost),
    };
    if (outcome.error) meta.code = outcome.error.code;
    const c: Call = { target, outcome, cost, meta };
    calls.push(c);
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
      call(step.model, d.step, 'cascade', stepRequest(ctx, step, deps)),
      !last && step.parallelWith ? call(step.parallelWith, d.step, 'parallel') : Promise.resolve(null),
    ]);
    stepCalls.push(main);
    if (ctx.signal.aborted) return settle(ctx, cascade, calls, aborted(ctx), deps, null);
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
    }));
    main.meta.passed = passed;
    outcomes.push({ model: step.model, answer, checks: results, passed });
  }

  if (decision.action === 'fail') {
    // No step produced an answer: the model the client asked for serves the request, as without a cascade.
    ctx.flags.push('cascade_failed');
    const t0 = process.hrtime.bigint();
    const out = await executeWithFallbacks(ctx, [ctx.original.model], deps);
    const target = out.provider
      ? { model: out.servedModel ?? ctx.original.model, provider: out.provider }
      : null;
    const price = target ? deps.catalog.lookup(target.model, target.provider) : undefined;
    const cost = out.usage ? computeCost(out.usage, price).cost : 0n;
    calls.push({
      target: null,
      outcome: out,
      cost,
      meta: {
        step: cascade.steps.length,
        purpose: 'fallback',
        model: target?.model ?? ctx.original.model,
        provider: target?.provider ?? null,
        status: out.httpStatus,
        latencyMs: Math.round(elapsedMs(t0) * 1000) / 1000,
        ...usageTokens(out.usage),
        costUsd: cost === null ? null : moneyToDecimal(cost),
        ...(out.error ? { code: out.error.code } : {}),
      },
    });
    return settle(ctx, cascade, calls, out, deps, {
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
  return settle(ctx, cascade, calls, served, deps, {
    reason: decision.reason,
    step: decision.step,
    model: decision.model,
  });
}

/** The request a step sends: with log-probabilities asked for when a check reads them (OpenAI format only). */
function stepRequest(ctx: RequestContext, step: CompiledStep, deps: CascadeDeps): CanonicalRequest {
  if (!step.wantsLogprobs || ctx.request.logprobs === true) return ctx.request;
  try {
    if (deps.resolve(step.model).provider.type === 'anthropic') return ctx.request;
  } catch {
    return ctx.request;
  }
  return { ...ctx.request, logprobs: true };
}

async function judge(
  ctx: RequestContext,
  step: CompiledStep,
  question: string,
  answer: string,
  stepIndex: number,
  cascade: CompiledCascade,
  call: (ref: string, step: number, purpose: 'judge', request: CanonicalRequest) => Promise<Call>,
): Promise<CheckResult> {
  const j = step.judge!;
  const req = judgeRequest(ctx.request, j.model, question, answer, {
    instructions: j.instructions,
    maxAnswerChars: cascade.judgeMaxAnswerChars,
  });
  const c = await call(j.model, stepIndex, 'judge', req);
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

/** Cost = Σ attempts; savings `cascade` = the served answer re-priced at the requested model − that sum. */
function settle(
  ctx: RequestContext,
  cascade: CompiledCascade,
  calls: readonly Call[],
  out: Outcome,
  deps: CascadeDeps,
  accepted: { reason: string; step: number | null; model: string | null } | null,
): Outcome {
  let total: Money | null = 0n;
  for (const c of calls) total = total === null || c.cost === null ? null : total + c.cost;
  if (total === null && !ctx.flags.includes('unpriced_model')) ctx.flags.push('unpriced_model');
  const meta: Record<string, unknown> = {
    models: cascade.models,
    attempts: calls.map((c) => c.meta),
    totalCostUsd: total === null ? null : moneyToDecimal(total),
  };
  if (accepted) meta.accepted = accepted;
  if (ctx.request.stream) meta.holdMs = Math.round(elapsedMs(ctx.t0) * 1000) / 1000;
  if (out.usage && total !== null) {
    const requested = computeCost(out.usage, deps.catalog.lookup(ctx.original.model)).cost;
    if (requested !== null) {
      const saved = requested - total;
      ctx.savings.cascade = (ctx.savings.cascade ?? 0n) + saved;
      meta.savedUsd = moneyToDecimal(saved);
      let sum = 0n;
      for (const v of Object.values(ctx.savings)) sum += v;
      ctx.baselineCost = total + sum;
    }
  }
  ctx.meta.cascade = meta;
  return { ...out, costOverride: total };
}
