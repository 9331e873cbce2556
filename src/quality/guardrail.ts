/**
 * The quality guardrail. Per feature and tactic it keeps the latest verdicts (agree / disagree; "no
 * verdict" is not evidence either way) and their Wilson 95% interval. When the lower bound falls under the
 * feature's floor with at least `minSamples` verdicts, the tactic goes to shadow mode: live requests are
 * served without it while a sampled share is run again with it off the critical path, so evidence keeps
 * coming (shadow.ts, tactic runs); when the lower bound is back at or over the floor it returns. Every
 * switch is recorded and announced (warn log line `quality guardrail`, and an alert). At start the windows
 * and modes are restored from the quality store (`restore`), so a restart does not put a tripped tactic back.
 */
import type { FeatureConfig } from '../config/schema.js';
import type { GuardSwitch, Verdict } from './quality-stores.js';
import { type Interval, wilson } from './significance.js';

export interface TacticState {
  feature: string;
  tactic: string;
  mode: 'active' | 'shadow';
  agree: number;
  n: number;
  interval: Interval;
  floor: number;
}

interface Window {
  verdicts: boolean[];
  mode: 'active' | 'shadow';
}

export class Guardrail {
  private readonly windows = new Map<string, Window & { feature: string; tactic: string; floor: number }>();

  constructor(private readonly onSwitch: (s: GuardSwitch) => void) {}

  /** Adds a verdict; returns the switch it caused, if any. */
  observe(
    feature: string,
    tactic: string,
    verdict: Verdict,
    cfg: { floor: number; minSamples: number; window: number },
    now = Date.now(),
  ): GuardSwitch | null {
    if (verdict === 'none') return null;
    const key = `${feature}\0${tactic}`;
    let w = this.windows.get(key);
    if (!w) {
      w = { verdicts: [], mode: 'active', feature, tactic, floor: cfg.floor };
      this.windows.set(key, w);
    }
    w.floor = cfg.floor;
    w.verdicts.push(verdict === 'agree');
    if (w.verdicts.length > cfg.window) w.verdicts.splice(0, w.verdicts.length - cfg.window);
    const n = w.verdicts.length;
    if (n < cfg.minSamples) return null;
    const agree = w.verdicts.filter(Boolean).length;
    const { lower } = wilson(agree, n);
    const next = lower < cfg.floor ? 'shadow' : 'active';
    if (next === w.mode) return null;
    w.mode = next;
    const s: GuardSwitch = { ts: now, feature, tactic, mode: next, agree, n, lower, floor: cfg.floor };
    this.onSwitch(s);
    return s;
  }

  /**
   * Puts back a window read from the store at start (verdicts oldest first, the mode of the last recorded
   * switch); no switch is recorded or announced. The next verdict re-judges it under the current config.
   */
  restore(
    feature: string,
    tactic: string,
    verdicts: boolean[],
    mode: 'active' | 'shadow',
    floor: number,
  ): void {
    this.windows.set(`${feature}\0${tactic}`, { verdicts: [...verdicts], mode, feature, tactic, floor });
  }

  /** Tactics of the feature in shadow mode. */
  shadowed(feature: string): string[] {
    const out: string[] = [];
    for (const w of this.windows.values())
      if (w.feature === feature && w.mode === 'shadow') out.push(w.tactic);
    return out;
  }

  states(): TacticState[] {
    return [...this.windows.values()].map((w) => {
      const agree = w.verdicts.filter(Boolean).length;
      return {
        feature: w.feature,
        tactic: w.tactic,
        mode: w.mode,
        agree,
        n: w.verdicts.length,
        interval: wilson(agree, w.verdicts.length),
        floor: w.floor,
      };
    });
  }
}

/** The policy without the given tactics (what a request gets while they are in shadow mode). */
export function withoutTactics(policy: FeatureConfig, tactics: readonly string[]): FeatureConfig {
  const p: FeatureConfig = { ...policy };
  for (const t of tactics) {
    if (t === 'route') delete p.route;
    else if (t === 'cascade') delete p.cascade;
    else if (t === 'compress') delete p.compress;
    else if (t === 'shape') delete p.shape;
    else if (t === 'batch') delete p.batch;
    else if (t === 'cache.semantic' && p.cache)
      p.cache = { ...p.cache, semantic: { ...p.cache.semantic, enabled: false } };
  }
  return p;
}
