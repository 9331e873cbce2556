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
import type { CanonicalRequest } from '../../core/request.js';
import { choiceText } from '../../core/response.js';
import { CODECS } from '../../providers/codecs.js';
import { providerModule } from '../../providers/modules.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import type { Target } from '../../providers/resolve-target.js';
import { runCodeTests } from '../../sandbox/code-tests.js';
import { countText } from '../../tokens/index.js';
import type { CheckResult } from '../cascade/checks.js';
import type { CompiledCascade, CompiledStep } from '../cascade/compile-cascade.js';
import { judgeCheck, judgeRequest } from '../cascade/judge.js';
import { type CascadeDecision, decideCascade, peersOf, type StepOutcome } from '../cascade/policy.js';
import type { Outcome, RequestContext } from '../context.js';
import { lastUserText } from '../route/rules.js';
import { responseToEvents } from '../stream/response-to-events.js';
import { answerOf, runChecksSafely, withoutLogprobs } from './cascade-answer.js';
import { type Call, CascadeCalls } from './cascade-calls.js';
import { type FallbackDeps, executeWithFallbacks } from './fallback.js';
import { errorOutcome, writeEventsAsStream } from './outcomes.js';

export { CASCADE, type CascadeAttemptMeta, type CascadeMeta } from './cascade-calls.js';

export type CascadeDeps = FallbackDeps;

type Final = Extract<CascadeDecision, { action: 'accept' | 'fail' }>;

export async function executeCascade(
  ctx: RequestContext,
  cascade: CompiledCascade,
  deps: CascadeDeps,
): Promise<Outcome> {
  const calls = new CascadeCalls(ctx, deps);
  const outcomes: StepOutcome[] = [];
  const stepCalls: Call[] = [];
  const question = lastUserText(ctx.request);
  let decision: Final;
  for (;;) {
    const d = decideCascade(cascade.models, outcomes);
    if (d.action !== 'call') {
      decision = d;
      break;
    }
    const run = await runStep(ctx, cascade, d.step, question, outcomes, calls);
    if (run === 'aborted') return calls.finish(cascade, aborted(ctx), null);
    stepCalls.push(run.main);
    outcomes.push(run.outcome);
    // A budget refused the step: a `reject` budget refuses the request (429, the calls made so far billed);
    // under a `downgrade` budget the cascade goes on without it and serves what the cheaper steps gave.
    const policy = budgetRefusalPolicy(run.main.outcome);
    if (policy === 'reject') return calls.finish(cascade, run.main.outcome, null);
    if (policy === 'downgrade' && !ctx.flags.includes('budget_downgraded'))
      ctx.flags.push('budget_downgraded');
  }
  if (decision.action === 'fail') return failOver(ctx, cascade, decision, calls, deps);
  return serveAccepted(ctx, cascade, decision, stepCalls[decision.step]!, calls);
}

/** One step: its model (and parallel peer) called, the answer checked (and judged); what the policy reads. */
async function runStep(
  ctx: RequestContext,
  cascade: CompiledCascade,
  index: number,
  question: string,
  earlier: readonly StepOutcome[],
  calls: CascadeCalls,
): Promise<{ main: Call; outcome: StepOutcome } | 'aborted'> {
  const step = cascade.steps[index]!;
  const last = index === cascade.steps.length - 1;
  const [main, peer] = await Promise.all([
    calls.call(step.model, index, 'cascade', (target) => stepRequest(ctx, step, target)),
    !last && step.parallelWith ? calls.call(step.parallelWith, index, 'parallel') : Promise.resolve(null),
  ]);
  if (ctx.signal.aborted) return 'aborted';
  const answer = answerOf(main.outcome);
  if (answer === null) {
    main.meta.passed = false;
    const error = main.outcome.error?.code ?? `status ${main.outcome.httpStatus}`;
    return { main, outcome: { model: step.model, answer: null, checks: [], passed: false, error } };
  }
  const peerAnswer = answerOf(peer?.outcome);
  const peers = [
    ...(peerAnswer && step.parallelWith ? [{ model: step.parallelWith, answer: peerAnswer }] : []),
    ...peersOf(earlier),
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
      results.push(await judge(ctx, step, question, answer.text, index, cascade, calls));
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
  return { main, outcome: { model: step.model, answer, checks: results, passed } };
}

/** No step produced an answer: the model the client asked for serves the request, as without a cascade. */
async function failOver(
  ctx: RequestContext,
  cascade: CompiledCascade,
  decision: Extract<Final, { action: 'fail' }>,
  calls: CascadeCalls,
  deps: CascadeDeps,
): Promise<Outcome> {
  ctx.flags.push('cascade_failed');
  const t0 = process.hrtime.bigint();
  const out = await executeWithFallbacks(ctx, [ctx.original.model], deps);
  calls.reportFallback(out, cascade.steps.length, ctx.original.model, t0);
  return calls.finish(cascade, out, { reason: decision.reason, step: null, model: out.servedModel });
}

/** The accepted answer, sent once: replayed as a stream, or its body (without forced log-probabilities). */
function serveAccepted(
  ctx: RequestContext,
  cascade: CompiledCascade,
  decision: Extract<Final, { action: 'accept' }>,
  accepted: Call,
  calls: CascadeCalls,
): Outcome {
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
  return calls.finish(cascade, served, {
    reason: decision.reason,
    step: decision.step,
    model: decision.model,
  });
}

/** The request a step sends: with log-probabilities asked for when a check reads them (OpenAI format only). */
function stepRequest(ctx: RequestContext, step: CompiledStep, target: Target): CanonicalRequest {
  if (!step.wantsLogprobs || ctx.request.logprobs === true) return ctx.request;
  if (!providerModule(PROVIDER_TYPES[target.provider.type].dialect).capabilities.logprobs) return ctx.request;
  return { ...ctx.request, logprobs: true };
}

async function judge(
  ctx: RequestContext,
  step: CompiledStep,
  question: string,
  answer: string,
  stepIndex: number,
  cascade: CompiledCascade,
  calls: CascadeCalls,
): Promise<CheckResult> {
  const j = step.judge!;
  const req = judgeRequest(ctx.request, j.model, question, answer, {
    instructions: j.instructions,
    maxAnswerChars: cascade.judgeMaxAnswerChars,
  });
  const c = await calls.call(j.model, stepIndex, 'judge', () => req);
  const r = c.outcome.status === 'ok' ? c.outcome.response?.choices[0] : undefined;
  const result = judgeCheck(r ? choiceText(r) : null, j.minScore, c.outcome.error?.message);
  c.meta.checks = [
    { name: 'judge', passed: result.passed, ...(result.detail ? { detail: result.detail } : {}) },
  ];
  return result;
}

/** The policy of the budget that refused a call (`budget_exceeded`), or null when no budget refused it. */
function budgetRefusalPolicy(o: Outcome): string | null {
  if (o.error?.code !== 'budget_exceeded') return null;
  const policy = (o.error.details as { policy?: unknown } | undefined)?.policy;
  return typeof policy === 'string' ? policy : 'reject';
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
