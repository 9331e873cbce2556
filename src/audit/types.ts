/**
 * The shapes the audit passes around: one normalised record per log line, whatever the log's format, and
 * the report it ends with. Prompt text is referenced, not copied, so a record costs little beyond the
 * parsed line it came from; everything kept across lines lives in bounded structures (see bounded-counter.ts).
 */
import type { Money } from '../core/money.js';
import type { Usage } from '../core/usage.js';
import type { PriceEntry } from '../pricing/price.js';

/** The log formats the audit reads. */
export type LogFormat = 'openai' | 'anthropic' | 'ledger' | 'csv';

export const FORMAT_DESCRIPTIONS: Record<LogFormat, string> = {
  openai: 'OpenAI request+response JSONL ({"request":…,"response":…}, or Batch API output lines)',
  anthropic: 'Anthropic request+response JSONL ({"request":…,"response":…}, or Message Batches results)',
  ledger: "Penny's ledger export JSONL (penny report --format jsonl)",
  csv: 'CSV with a header naming at least model,input_tokens,output_tokens (optional feature,user,cached_tokens,timestamp,max_tokens)',
};

/** What the audit knows of a request's prompt, when the log carries the prompt text. */
export interface PromptText {
  /** Hash of the stable prefix (tools + system prompt, or the first message when there is no system). */
  prefixKey: number;
  /** Characters in that prefix (tokens are estimated as chars / 4). */
  prefixChars: number;
  /** Text of the last user message (the "question"). */
  lastUser: string;
  /** System and user text parts, for the verbosity scan (references to the parsed strings). */
  texts: string[];
  /** How many leading entries of `texts` belong to the prefix (scanned once per distinct prefix). */
  prefixTexts: number;
}

export interface AuditRecord {
  /** 1-based line number of the record's first line. */
  line: number;
  format: LogFormat;
  /** Request time, ms since the epoch; null when the log has none. */
  ts: number | null;
  feature: string | null;
  user: string | null;
  provider: string | null;
  model: string;
  usage: Usage;
  /** The request's max_tokens cap, when set. */
  maxTokens: number | null;
  /** The answer stopped at the cap (finish_reason "length" / stop_reason "max_tokens"). */
  truncated: boolean;
  /** Already served through a Batch API (priced at batch rates, not a batch candidate). */
  batch: boolean;
  /** Tagged as traffic nobody waits for (metadata batch/offline/cron …). */
  deferrable: boolean;
  /** Cost given by the source (ledger export); undefined = compute from usage and price. */
  cost?: Money | null;
  /** Hash of model + full prompt, for exact-duplicate detection; null when the log has no prompt. */
  promptKey: number | null;
  prompt: PromptText | null;
}

/** Prices for the audit: a lookup and a cost function (the pricing module's, or a stand-in in tests). */
export interface AuditPricing {
  lookup(model: string, provider?: string): PriceEntry | undefined;
  cost(usage: Usage, price: PriceEntry | undefined, opts?: { batch?: boolean }): Money | null;
}

export interface MalformedLine {
  line: number;
  reason: string;
  /** The start of the line, truncated. */
  excerpt: string;
}

export type TacticId =
  | 'response-cache'
  | 'prompt-cache'
  | 'max-tokens'
  | 'routing'
  | 'compression'
  | 'shortcut'
  | 'batch';

export interface Opportunity {
  tactic: TacticId;
  title: string;
  /** Estimated savings per 30 days (observed savings scaled by the log's time span). */
  monthly: Money;
  /** Savings over the requests in the log. */
  observed: Money;
  /** Requests the tactic would touch. */
  requests: number;
  /** Counts and how the number was computed, one fact a line. */
  evidence: string[];
  /** Short, truncated examples from the log. */
  examples: string[];
  /** False when the log's format lacks what the estimator needs (e.g. no prompt text in a CSV). */
  applicable: boolean;
}

export interface SpendRow {
  key: string;
  requests: number;
  cost: Money;
  /** Requests whose cost is unknown (unpriced model), not in `cost`. */
  unpriced: number;
  inputTokens: number;
  outputTokens: number;
}

export interface ParetoView {
  /** Features sorted by cost descending with cumulative cost. */
  points: Array<{ key: string; cost: Money; cumulative: Money }>;
  /** Smallest number of features that together make ≥ 80% of the known cost. */
  featuresFor80: number;
  featureCount: number;
  /** Share (0..1) of cost carried by the top 20% of features (at least one feature). */
  top20Share: number;
}

export interface AuditSpan {
  from: number | null;
  to: number | null;
  /** Days the monthly figures are scaled from (30 when assumed). */
  days: number;
  /** True when the log has too few timestamps and 30 days were assumed. */
  assumed: boolean;
}

export interface AuditReport {
  file: string;
  /** The format detected from the first lines. */
  format: LogFormat;
  /** Records per format actually read (a JSONL file may mix OpenAI and Anthropic lines). */
  formats: Partial<Record<LogFormat, number>>;
  lines: number;
  records: number;
  malformed: { count: number; examples: MalformedLine[] };
  span: AuditSpan;
  total: { cost: Money; monthly: Money; requests: number; unpriced: number; estimatedUsage: number };
  byFeature: SpendRow[];
  byUser: SpendRow[];
  byModel: SpendRow[];
  pareto: ParetoView;
  unpricedModels: Array<{ model: string; requests: number }>;
  opportunities: Opportunity[];
  notes: string[];
}
