/**
 * Quality beside cost, per feature and tactic, as `penny report --quality` and the dashboard's quality panel
 * show it: what each tactic saved (exact, from the ledger), its retention — the agreement rate of the shadow
 * verdicts with a Wilson 95% interval and n — overall and per day or hour, the feedback on the requests it
 * changed, the guardrail's state and switches, and every configured experiment with its arms compared.
 *
 * Ratings are attributed through the ledger: a rated request counts for each tactic that saved on it, or
 * for "(none)" when no tactic changed it (the reference ratings of the feature). Verdicts and entries are
 * read newest first up to a limit, and the report says when a limit cut the range.
 */
import type { LoadedConfig } from '../config/load.js';
import type { Money } from '../core/money.js';
import { moneyToDecimal } from '../core/money.js';
import { NONE } from '../ledger/group-keys.js';
import type { Ledger, LedgerFilter } from '../ledger/ledger.js';
import { type ExperimentReport, experimentReport, isGood } from './experiment-report.js';
import type { TacticState } from './guardrail.js';
import type { GuardSwitch, QualityStores } from './quality-stores.js';
import { type Interval, wilson } from './significance.js';

export const QUALITY_BUCKETS = ['hour', 'day'] as const;
export type QualityBucket = (typeof QUALITY_BUCKETS)[number];

/** The tactic a rating counts for when no tactic changed the request. */
export const UNCHANGED = '(none)';

export interface TacticQuality {
  feature: string;
  tactic: string;
  /** Exact savings of the tactic in the feature over the range (0 for "(none)"). */
  savings: Money;
  /** Shadow verdicts: agree + disagree; agreements; "no verdict" apart. */
  evaluated: number;
  agree: number;
  noVerdict: number;
  /** Wilson 95% interval of the agreement rate; null without verdicts. */
  agreement: Interval | null;
  /** The feature's guardrail floor; null when it has no quality section. */
  floor: number | null;
  /** The guardrail's mode: this gateway's live state, else the last recorded switch; null when never judged. */
  mode: 'active' | 'shadow' | null;
  /** When the last recorded switch happened (ms), if any. */
  switchedAt: number | null;
  /** Ratings of the requests the tactic changed. */
  rated: number;
  good: number;
  meanScore: number | null;
  goodRate: Interval | null;
}

export interface RetentionPoint {
  /** "2026-12-03" (day) or "2026-12-03T07:00Z" (hour), UTC. */
  bucket: string;
  agree: number;
  n: number;
  rate: number;
  lower: number;
  upper: number;
}

export interface RetentionSeries {
  feature: string;
  tactic: string;
  /** Buckets with at least one verdict, oldest first. */
  points: RetentionPoint[];
}

export interface QualityReport {
  range: { from: number | null; to: number | null };
  bucket: QualityBucket;
  /** Per feature, tactics by savings (largest first), then the unevaluated ones. */
  tactics: TacticQuality[];
  series: RetentionSeries[];
  /** Guardrail switches in the range, newest first (at most 200). */
  switches: GuardSwitch[];
  experiments: ExperimentReport[];
  /** What was read: verdicts and entries (newest first); `truncated` when the range holds more. */
  scan: { verdicts: number; verdictsTruncated: boolean; entries: number; entriesTruncated: boolean };
  /** False when the quality stores could not be opened (only savings are shown). */
  stores: boolean;
}

export interface QualityReportOptions {
  ledger: Ledger;
  stores: QualityStores | null;
  loaded: LoadedConfig;
  range: Pick<LedgerFilter, 'from' | 'to'>;
  /** Default: hour for ranges of two days or less, else day. */
  bucket?: QualityBucket;
  /** A running gateway's guardrail state (the CLI has none and reads the recorded switches). */
  live?: TacticState[];
  now?: number;
  /** Newest verdicts read (default 100,000). */
  maxVerdicts?: number;
  /** Newest ledger entries read to attribute ratings (default 50,000). */
  maxEntries?: number;
  /** Most features listed (default 50, the costliest plus every one with verdicts). */
  maxFeatures?: number;
}

const TWO_DAYS = 2 * 86_400_000;

export function defaultBucket(range: Pick<LedgerFilter, 'from' | 'to'>, now: number): QualityBucket {
  if (range.from === undefined) return 'day';
  return (range.to ?? now) - range.from <= TWO_DAYS ? 'hour' : 'day';
}

export function bucketOf(ts: number, bucket: QualityBucket): string {
  const iso = new Date(ts).toISOString();
  return bucket === 'day' ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00Z`;
}

interface Tally {
  agree: number;
  disagree: number;
  none: number;
  rated: number;
  good: number;
  scoreSum: number;
  scored: number;
}

const tally = (): Tally => ({ agree: 0, disagree: 0, none: 0, rated: 0, good: 0, scoreSum: 0, scored: 0 });
const key = (feature: string, tactic: string) => `${feature}\0${tactic}`;

export async function buildQualityReport(o: QualityReportOptions): Promise<QualityReport> {
  const now = o.now ?? Date.now();
  const bucket = o.bucket ?? defaultBucket(o.range, now);
  const maxVerdicts = o.maxVerdicts ?? 100_000;
  const maxEntries = o.maxEntries ?? 50_000;
  const range: LedgerFilter = {
    ...(o.range.from !== undefined ? { from: o.range.from } : {}),
    ...(o.range.to !== undefined ? { to: o.range.to } : {}),
  };
  const stores = o.stores;

  // Verdicts: overall and per bucket, per feature and tactic.
  const read = stores ? await stores.evaluations.list({ ...range, limit: maxVerdicts + 1 }) : [];
  const verdictsTruncated = read.length > maxVerdicts;
  const verdicts = verdictsTruncated ? read.slice(0, maxVerdicts) : read;
  const tallies = new Map<string, Tally>();
  const at = (feature: string, tactic: string) => {
    const k = key(feature, tactic);
    let t = tallies.get(k);
    if (!t) {
      t = tally();
      tallies.set(k, t);
    }
    return t;
  };
  const buckets = new Map<string, Map<string, { agree: number; n: number }>>();
  for (const v of verdicts) {
    const t = at(v.feature, v.tactic);
    if (v.verdict === 'none') {
      t.none++;
      continue;
    }
    if (v.verdict === 'agree') t.agree++;
    else t.disagree++;
    const k = key(v.feature, v.tactic);
    let series = buckets.get(k);
    if (!series) {
      series = new Map();
      buckets.set(k, series);
    }
    const b = bucketOf(v.ts, bucket);
    const p = series.get(b) ?? { agree: 0, n: 0 };
    p.n++;
    if (v.verdict === 'agree') p.agree++;
    series.set(b, p);
  }

  // Savings per feature and tactic (exact), for the costliest features and every one with verdicts.
  const featureRows = await o.ledger.summarize(range, ['feature']);
  const features = featureRows
    .map((r) => r.group.feature ?? NONE)
    .filter((f) => f !== NONE)
    .slice(0, o.maxFeatures ?? 50);
  for (const v of verdicts) if (!features.includes(v.feature)) features.push(v.feature);
  const savings = new Map<string, Money>();
  for (const feature of features) {
    for (const [tactic, amount] of Object.entries(await o.ledger.savingsByTactic({ ...range, feature }))) {
      if (amount === 0n) continue;
      savings.set(key(feature, tactic), amount);
      at(feature, tactic);
    }
  }

  // Ratings, attributed to the tactics that saved on the rated request.
  let entriesRead = 0;
  let entriesTruncated = false;
  if (stores) {
    const scanned = await o.ledger.query({ ...range, limit: maxEntries + 1 });
    entriesTruncated = scanned.length > maxEntries;
    const entries = (entriesTruncated ? scanned.slice(0, maxEntries) : scanned).filter(
      (e) => e.feature !== null && !e.flags.includes('evaluation'),
    );
    entriesRead = entries.length;
    const byId = new Map(entries.map((e) => [e.id, e]));
    for (const f of await stores.feedback.forRequests([...byId.keys()])) {
      const e = byId.get(f.requestId);
      if (!e?.feature) continue;
      const tactics = Object.keys(e.savings).filter((t) => e.savings[t] !== 0n);
      const g = isGood(f);
      for (const tactic of tactics.length ? tactics : [UNCHANGED]) {
        const t = at(e.feature, tactic);
        if (g !== null) {
          t.rated++;
          if (g) t.good++;
        }
        if (f.score !== null) {
          t.scoreSum += f.score;
          t.scored++;
        }
      }
    }
  }

  // The guardrail: live state first, else the last recorded switch of each feature and tactic.
  const recorded = stores ? await stores.evaluations.switches({ limit: 2000 }) : [];
  const lastSwitch = new Map<string, GuardSwitch>();
  for (const s of recorded)
    if (!lastSwitch.has(key(s.feature, s.tactic))) lastSwitch.set(key(s.feature, s.tactic), s);
  const live = new Map((o.live ?? []).map((s) => [key(s.feature, s.tactic), s]));
  for (const s of o.live ?? []) at(s.feature, s.tactic);

  const tactics: TacticQuality[] = [];
  for (const [k, t] of tallies) {
    const [feature, tactic] = k.split('\0') as [string, string];
    const evaluated = t.agree + t.disagree;
    const sw = lastSwitch.get(k);
    tactics.push({
      feature,
      tactic,
      savings: savings.get(k) ?? 0n,
      evaluated,
      agree: t.agree,
      noVerdict: t.none,
      agreement: evaluated > 0 ? wilson(t.agree, evaluated) : null,
      floor: o.loaded.config.features[feature]?.quality?.floor ?? null,
      mode: live.get(k)?.mode ?? sw?.mode ?? null,
      switchedAt: sw?.ts ?? null,
      rated: t.rated,
      good: t.good,
      meanScore: t.scored > 0 ? t.scoreSum / t.scored : null,
      goodRate: t.rated > 0 ? wilson(t.good, t.rated) : null,
    });
  }
  const featureOrder = new Map(features.map((f, i) => [f, i]));
  tactics.sort(
    (a, b) =>
      (featureOrder.get(a.feature) ?? 1e9) - (featureOrder.get(b.feature) ?? 1e9) ||
      a.feature.localeCompare(b.feature) ||
      Number(b.tactic !== UNCHANGED) - Number(a.tactic !== UNCHANGED) ||
      (b.savings > a.savings ? 1 : b.savings < a.savings ? -1 : 0) ||
      b.evaluated - a.evaluated ||
      a.tactic.localeCompare(b.tactic),
  );

  const series: RetentionSeries[] = [];
  for (const t of tactics) {
    const points = buckets.get(key(t.feature, t.tactic));
    if (!points) continue;
    series.push({
      feature: t.feature,
      tactic: t.tactic,
      points: [...points.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([b, p]) => {
          const w = wilson(p.agree, p.n);
          return { bucket: b, agree: p.agree, n: p.n, rate: w.rate, lower: w.lower, upper: w.upper };
        }),
    });
  }

  const experiments: ExperimentReport[] = [];
  const stops = new Map((stores ? await stores.experiments.list() : []).map((s) => [s.name, s]));
  for (const [feature, policy] of Object.entries(o.loaded.config.features)) {
    if (!policy.experiment) continue;
    experiments.push(
      await experimentReport(
        o.ledger,
        stores,
        feature,
        policy.experiment,
        stops.get(policy.experiment.name),
        range,
      ),
    );
  }

  return {
    range: { from: range.from ?? null, to: range.to ?? null },
    bucket,
    tactics,
    series,
    switches: recorded
      .filter(
        (s) =>
          (range.from === undefined || s.ts >= range.from) && (range.to === undefined || s.ts < range.to),
      )
      .slice(0, 200),
    experiments,
    scan: { verdicts: verdicts.length, verdictsTruncated, entries: entriesRead, entriesTruncated },
    stores: stores !== null,
  };
}

/** The report as JSON: money as exact USD decimal strings. */
export function qualityReportJson(report: QualityReport, space?: number): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? moneyToDecimal(v) : v), space);
}
