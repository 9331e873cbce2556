/**
 * The routing decision for one request, pure: the first matching rule's targets (else the difficulty
 * router's cheap or strong target, else the model the client asked for), filtered and ordered by
 * `chooseTargets`, each followed by its named fallback chain. When no target fits the request, the
 * client's own model is used and the decision says why, so a rule can never make a request unservable.
 */
import { type Money, moneyToDecimal } from '../../core/money.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { PriceEntry } from '../../pricing/price.js';
import type { CompiledRoute } from './compile-route.js';
import { type CandidateVerdict, chooseTargets } from './cost-choice.js';
import { type DifficultyDecision, decideDifficulty } from './difficulty.js';
import { type FallbackChains, withFallbacks } from './fallback-chains.js';
import { firstMatch, type RequestFacts } from './rules.js';

export interface RouteDecision {
  /** The matching rule's name, `router` (difficulty), or `none`. */
  rule: string;
  chosen: string;
  /** Targets in the order they will be tried (fallbacks included). */
  targets: string[];
  candidates: CandidateVerdict[];
  difficulty?: DifficultyDecision;
  note?: string;
}

export function decideRoute(
  route: CompiledRoute,
  req: CanonicalRequest,
  facts: RequestFacts,
  priceOf: (model: string) => PriceEntry | undefined,
  chains: FallbackChains,
): RouteDecision {
  const rule = firstMatch(route.rules, facts);
  let name = 'none';
  let models: readonly string[] = [req.model];
  let mode: 'cheapest' | 'ordered' = 'ordered';
  let expected = route.expectedOutputTokens;
  let difficulty: DifficultyDecision | undefined;
  if (rule) {
    name = rule.name;
    models = rule.targets;
    mode = rule.choose;
    expected = rule.expectedOutputTokens ?? expected;
  } else if (route.difficulty) {
    const d = route.difficulty;
    const cal = d.calibrator?.current();
    difficulty = decideDifficulty(d.router, facts.text, d.tiers, cal ? [cal.threshold] : d.minScores);
    if (d.tiered) difficulty.tiered = true;
    if (cal) {
      difficulty.calibration = {
        source: cal.source,
        ...(cal.share !== null ? { targetShare: cal.share } : {}),
      };
    }
    name = 'router';
    // A tier falls back to the dearer tiers above it, never to a cheaper one.
    models = d.tiers.slice(difficulty.tierIndex);
  }
  const choice = chooseTargets(
    models,
    priceOf,
    {
      promptTokens: facts.promptTokens,
      expectedOutputTokens: expected,
      maxTokens: req.maxTokens,
      tools: facts.tools,
      images: facts.images,
      json: facts.json,
    },
    mode,
  );
  const decision: RouteDecision = {
    rule: name,
    chosen: choice.ordered[0] ?? req.model,
    targets: withFallbacks(choice.ordered.length ? choice.ordered : [req.model], chains),
    candidates: choice.verdicts,
  };
  if (difficulty) decision.difficulty = difficulty;
  if (choice.ordered.length === 0) decision.note = 'no target fits this request; using the requested model';
  return decision;
}

const money = (m: Money | null) => (m === null ? null : moneyToDecimal(m));

/** The decision as small JSON for `meta.route` (money as decimal strings: the ledger stores JSON). */
export function routeMeta(d: RouteDecision): Record<string, unknown> {
  const tiered = d.difficulty?.tiered === true;
  const out: Record<string, unknown> = {
    rule: d.rule,
    chosen: d.chosen,
    targets: d.targets,
    candidates: d.candidates.map((c) => ({
      model: c.model,
      fits: c.fits,
      estCostUsd: money(c.estCost),
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.tierAbove !== undefined ? { tierAbove: c.tierAbove } : {}),
    })),
  };
  if (d.difficulty) {
    out.router = d.difficulty.router;
    out.score = Math.round(d.difficulty.score * 1e4) / 1e4;
    const th = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : String(x));
    if (!tiered) {
      out.threshold = th(d.difficulty.minScores[0]!);
      out.tier = d.difficulty.tierIndex === 1 ? 'strong' : 'weak';
    } else {
      out.minScores = d.difficulty.minScores.map(th);
      out.tier = d.difficulty.tierIndex;
      out.tierModel = d.difficulty.tiers[d.difficulty.tierIndex];
    }
    if (d.difficulty.calibration) {
      out.thresholdSource = d.difficulty.calibration.source;
      if (d.difficulty.calibration.targetShare !== undefined) {
        out.targetStrongShare = Math.round(d.difficulty.calibration.targetShare * 1e4) / 1e4;
      }
    }
  }
  if (d.note) out.note = d.note;
  return out;
}
