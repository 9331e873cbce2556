/**
 * Quality on /metrics, read from the guardrail at scrape time: per feature and tactic, the agreement rate of
 * the latest verdicts, its Wilson 95% lower bound, n, and whether the tactic is in shadow mode; and counters
 * of shadow evaluations. Feature names come from the config, tactics from a fixed list: the label set is bounded.
 */
import { Gauge, type Registry } from '../metrics/prom.js';
import type { TacticState } from './guardrail.js';
import type { Quality } from './quality.js';

export function registerQualityMetrics(registry: Registry, quality: Quality): void {
  const labelNames = ['feature', 'tactic'] as const;
  const gauge = (name: string, help: string, value: (s: TacticState) => number) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of quality.guardrail.states())
          this.set({ feature: s.feature, tactic: s.tactic }, value(s));
      },
    });
  gauge(
    'penny_quality_agreement_ratio',
    'Agreement of shadow verdicts with the unchanged request (latest window)',
    (s) => s.interval.rate,
  );
  gauge(
    'penny_quality_agreement_lower_bound',
    'Wilson 95% lower bound of the agreement',
    (s) => s.interval.lower,
  );
  gauge('penny_quality_verdicts', 'Verdicts in the guardrail window', (s) => s.n);
  gauge('penny_quality_tactic_shadowed', '1 when the guardrail has taken the tactic out of service', (s) =>
    s.mode === 'shadow' ? 1 : 0,
  );
  const stat = (name: string, help: string, key: keyof Quality['shadow']['stats']) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(quality.shadow.stats[key]);
      },
    });
  stat('penny_quality_evaluations', 'Shadow evaluations run since start', 'evaluated');
  stat(
    'penny_quality_evaluations_no_verdict',
    'Shadow evaluations without a verdict (failed, timed out, incomparable)',
    'noVerdict',
  );
  stat(
    'penny_quality_evaluations_over_budget',
    'Sampled requests not evaluated: the feature’s daily evaluation budget was spent',
    'skippedBudget',
  );
  stat(
    'penny_quality_tactic_runs',
    'Requests run again with a shadowed tactic, off the path, since start',
    'tacticRuns',
  );
  stat(
    'penny_quality_tactic_runs_unchanged',
    'Tactic runs the shadowed tactic did not change (no evidence)',
    'unchanged',
  );
}
