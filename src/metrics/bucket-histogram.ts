/**
 * A Prometheus histogram whose series are plain objects the caller keeps (one per label set), so an
 * observation is a bucket search and three additions. prom-client's Histogram builds a label object and
 * hashes the label set on every `observe`, even through a child from `labels()` — the last per-request
 * prom-client work on the settle path after round 5 moved the counters to plain fields.
 *
 * It is registered in a prom-client Registry like any metric: the registry reads a metric only through
 * `getForPromString()` / `get()` (and `reset()`), and these return exactly what prom-client's Histogram
 * returns for the same observations — series in order of their first observation, cumulative buckets with
 * `le` first, `+Inf`, `_sum` (the same float additions in the same order), `_count` — so the exposition
 * text and the JSON are identical (bucket-histogram.test.ts compares them with prom-client's own).
 */
import type { Metric, Registry } from './prom.js';

export interface BucketHistogramConfig<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}

/** One label set's counts. Not exposed until its first observation (as with prom-client's children). */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); index `buckets.length` is above the last bound. */
  readonly counts: number[];
  sum = 0;
  count = 0;
  /** True once observed since the last reset: the histogram lists it. */
  listed = false;

  constructor(
    private readonly owner: BucketHistogram<string>,
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Array<number>(owner.bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    // prom-client refuses a value that is not a finite number; so does this (a bug upstream, not a sample).
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.owner.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (!this.listed) this.owner.list(this);
  }
}

interface ExportValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  /** prom-client's shape: null on buckets, undefined on `_sum` and `_count` (exemplars are off). */
  exemplar: null | undefined;
}

export class BucketHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly bounds: readonly number[];
  readonly #labelNames: readonly L[];
  /** Series with observations, in order of their first one. */
  #listed: HistogramSeries[] = [];

  constructor(cfg: BucketHistogramConfig<L>) {
    this.name = cfg.name;
    this.help = cfg.help;
    this.#labelNames = cfg.labelNames;
    this.bounds = [...cfg.buckets];
    for (let i = 1; i < this.bounds.length; i++)
      if (!(this.bounds[i]! > this.bounds[i - 1]!)) throw new Error(`${cfg.name}: buckets must ascend`);
    // The registry's protocol (name, type, get, getForPromString, reset) is all it uses of a metric.
    for (const r of cfg.registers) r.registerMetric(this as unknown as Metric);
  }

  /** The series of one label set; keep it, and observe through it. */
  series(values: Record<L, string>): HistogramSeries {
    const labels: Record<string, string> = {};
    for (const n of this.#labelNames) labels[n] = values[n];
    return new HistogramSeries(this, labels);
  }

  /** Called by a series at its first observation. */
  list(s: HistogramSeries): void {
    s.listed = true;
    this.#listed.push(s);
  }

  /** Forgets every observation (prom-client's `reset`): series reappear at their next observation. */
  reset(): void {
    for (const s of this.#listed) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.listed = false;
    }
    this.#listed = [];
  }

  /** What prom-client's Histogram returns for the exposition text. */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: ExportValue[];
    aggregator: 'sum';
  }> {
    const values: ExportValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#listed) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        const labels = { le: this.bounds[i]! };
        values.push({ labels, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      }
      values.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: s.labels,
          value: s.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  /** What prom-client's Histogram returns for the JSON form: the series labels merged into each value's. */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Array<Omit<ExportValue, 'sharedLabels'>>;
    aggregator: 'sum';
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
