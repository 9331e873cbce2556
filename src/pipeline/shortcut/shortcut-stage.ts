/**
 * The shortcut stage: answers a question with no LLM call when a rule or the FAQ knows the answer, in the
 * client's wire format (streamed too) and marked `x-penny-shortcut: faq|rule|webhook`. The answer costs $0;
 * the baseline — what the request would have cost on the model it asked for — is estimated from its input
 * tokens and the feature's typical output length in the ledger (or the answer's own length), and flagged
 * `baseline_estimated`. Only plain questions qualify: a single user turn of text (by default), no forced
 * tool call, no JSON output format. A webhook that fails or times out lets the request through unchanged.
 */
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { CanonicalResponse } from '../../core/response.js';
import { emptyUsage } from '../../core/usage.js';
import { countOutputTokens, countRequestTokens } from '../../tokens/index.js';
import { lastUserText } from '../cache/semantic/scope.js';
import type { Outcome, RequestContext } from '../context.js';
import { answerWith } from '../execute/answer.js';
import { FeatureStats } from '../shape/feature-stats.js';
import { defineSlot } from '../slots.js';
import { type Stage, defineStage } from '../stage.js';
import type { StageDeps } from '../stage-deps.js';
import { type FaqEntry, loadFaqFile } from './faq-file.js';
import { FaqIndex } from './faq-index.js';
import { compileRules, fillTemplate, matchRule } from './rules.js';
import { callWebhook } from './webhook.js';

export type ShortcutKind = 'faq' | 'rule' | 'webhook';

const MIN_TYPICAL_SAMPLES = 10;

/** What the shortcut did or why it let the request through (ledger `meta.shortcut`). */
export const SHORTCUT = defineSlot<Record<string, unknown>>('shortcut');

export interface ShortcutStageOptions {
  /** FAQ entries to use instead of reading `shortcut.faqFile`. */
  faq?: FaqEntry[];
  stats?: FeatureStats;
}

export function createShortcutStage(deps: StageDeps, opts: ShortcutStageOptions = {}): Stage {
  const global = deps.loaded.config.shortcut;
  const file = global.faqFile;
  const entries =
    opts.faq ??
    (file ? loadFaqFile(resolve(deps.loaded.file ? dirname(deps.loaded.file) : process.cwd(), file)) : []);
  const faq = entries.length ? new FaqIndex(entries, { threshold: global.threshold }) : null;
  const rules = compileRules(global.rules);
  const stats = opts.stats ?? new FeatureStats(deps.ledger, deps.loaded.config.shape, deps.logger);
  for (const [name, f] of Object.entries(deps.loaded.config.features)) {
    for (const r of f.shortcut?.rules ?? []) {
      if (!global.rules.some((x) => x.name === r))
        throw new ConfigError(
          `features.${name}.shortcut.rules`,
          `unknown rule "${r}"; defined in shortcut.rules: ${global.rules.map((x) => x.name).join(', ') || '(none)'}`,
        );
    }
  }

  return defineStage({
    name: 'shortcut',
    async run(ctx, next) {
      const policy = ctx.policy?.shortcut;
      if (!policy?.enabled) return next();
      const req = ctx.request;
      if (
        (req.toolChoice && req.toolChoice.type !== 'auto' && req.toolChoice.type !== 'none') ||
        (req.responseFormat && req.responseFormat.type !== 'text') ||
        (req.n ?? 1) > 1
      )
        return next();
      if (policy.singleTurnOnly && req.messages.filter((m) => m.role !== 'system').length !== 1)
        return next();
      const question = lastUserText(req);
      if (question === null) return next();

      const meta: Record<string, unknown> = {};
      for (const compiled of rules) {
        if (policy.rules && !policy.rules.includes(compiled.rule.name)) continue;
        const m = matchRule(compiled, question);
        if (!m) continue;
        if (compiled.rule.answer !== undefined)
          return answer(ctx, 'rule', fillTemplate(compiled.rule.answer, m), { rule: compiled.rule.name });
        const hook = compiled.rule.webhook!;
        try {
          const text = await callWebhook({
            url: hook.url,
            timeoutMs: hook.timeoutMs,
            ...(hook.headers ? { headers: hook.headers } : {}),
            payload: {
              rule: compiled.rule.name,
              question,
              groups: m.groups,
              named: m.named,
              feature: ctx.attribution.feature,
              user: ctx.attribution.user,
              model: req.model,
            },
          });
          if (text !== null) return answer(ctx, 'webhook', text, { rule: compiled.rule.name });
          meta.webhook = { rule: compiled.rule.name, declined: true };
        } catch (e) {
          const error = (e as Error).name === 'TimeoutError' ? 'timeout' : (e as Error).message;
          deps.logger.warn('shortcut webhook failed; request sent to the model', {
            id: ctx.id,
            rule: compiled.rule.name,
            error,
          });
          meta.webhook = { rule: compiled.rule.name, failed: error };
        }
      }
      if (faq && policy.faq) {
        const r = faq.lookup(question, policy.threshold);
        if (r.match) {
          return answer(ctx, 'faq', r.match.entry.answer, {
            faq: r.match.entry.id,
            score: Math.round(r.match.score * 1000) / 1000,
            method: r.match.method,
          });
        }
        if (r.rejectedBy) meta.faqRejected = r.rejectedBy;
      }
      if (Object.keys(meta).length) ctx.slots.set(SHORTCUT, { miss: true, ...meta });
      return next();
    },
  });

  function answer(
    ctx: RequestContext,
    kind: ShortcutKind,
    text: string,
    detail: Record<string, unknown>,
  ): Outcome {
    const req = ctx.request;
    const response: CanonicalResponse = {
      id:
        ctx.clientDialect === 'anthropic'
          ? `msg_penny_${ctx.id.slice(4)}`
          : `chatcmpl-penny-${ctx.id.slice(4)}`,
      model: req.model,
      created: Math.floor(Date.now() / 1000),
      choices: [{ index: 0, content: [{ type: 'text', text }], finish: { unified: 'stop', raw: null } }],
      usage: emptyUsage(),
    };
    // Baseline: the request on the model it asked for — exact input count (OpenAI) or estimate, and the
    // feature's typical output from the ledger, else the length of this answer.
    const input = countRequestTokens(ctx.original, ctx.original.model);
    const feature = ctx.attribution.feature;
    const snap = feature !== null ? stats.get(feature) : undefined;
    const typical =
      snap && snap.stats.samples >= MIN_TYPICAL_SAMPLES ? Math.round(snap.stats.meanOutput) : undefined;
    const outputTokens = typical ?? countOutputTokens(text, ctx.original.model).tokens;
    ctx.money.unbilled = true;
    ctx.money.replaced = {
      kind: 'estimate',
      tactic: `shortcut.${kind === 'webhook' ? 'rule' : kind}`,
      inputTokens: input.tokens,
      outputTokens,
      model: ctx.original.model,
    };
    ctx.headers['x-penny-shortcut'] = kind;
    ctx.slots.set(SHORTCUT, {
      kind,
      ...detail,
      baseline: {
        inputTokens: input.tokens,
        inputExact: input.exact,
        outputTokens,
        outputFrom: typical !== undefined ? 'ledger' : 'answer',
        estimated: true,
      },
    });
    const base = { provider: null, servedModel: null, simulated: false };
    return answerWith(ctx, response, base);
  }
}
