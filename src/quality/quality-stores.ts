/**
 * The quality stores: experiment stops (`penny experiments stop`), feedback on requests, and shadow
 * evaluation verdicts with the guardrail's switches. One interface per store; SQLite (a file beside the
 * ledger) and PostgreSQL (tables in the ledger's schema) implement each, and `quality-stores.contract.ts`
 * runs the same suite on both.
 */

/** An experiment stopped from the CLI: every request of it is served by `arm` from then on. */
export interface ExperimentStop {
  name: string;
  arm: string;
  /** ms since epoch. */
  stoppedAt: number;
}

export interface ExperimentStateStore {
  /** Records (or replaces) the stop of an experiment. */
  stop(s: ExperimentStop): Promise<void>;
  /** Removes a stop; true when there was one. */
  resume(name: string): Promise<boolean>;
  list(): Promise<ExperimentStop[]>;
}

export const THUMBS = ['up', 'down'] as const;
export type Thumbs = (typeof THUMBS)[number];

/** A client's rating of one request's answer. */
export interface Feedback {
  requestId: string;
  /** The key that sent it (the same as the rated entry's keyId). */
  keyId: string | null;
  ts: number;
  /** 0..1 */
  score: number | null;
  label: string | null;
  thumbs: Thumbs | null;
  comment: string | null;
}

export interface FeedbackStore {
  /** Stores a rating; a second rating of the same request replaces the first. */
  put(f: Feedback): Promise<void>;
  get(requestId: string): Promise<Feedback | null>;
  /** Ratings of the given requests (those that have one). */
  forRequests(requestIds: readonly string[]): Promise<Feedback[]>;
}

export type Verdict = 'agree' | 'disagree' | 'none';

/** One shadow evaluation: the tactic's answer against the answer to the request as the client sent it. */
export interface Evaluation {
  /** The evaluated request (the client's). A router trainer reads its verdict by this id. */
  requestId: string;
  /** The ledger entry of the shadow call (`meta.purpose = "evaluation"`), null when none was made. */
  evaluationId: string | null;
  ts: number;
  feature: string;
  /** The tactic that changed the answer: route, cascade, cache.semantic, compress, shape, batch … */
  tactic: string;
  /** Experiment arm of the evaluated request, when it had one. */
  arm: string | null;
  /** `none`: no verdict (the shadow call failed, timed out, or the judge answered garbage). */
  verdict: Verdict;
  /** How the answers were compared: structured, embedding, judge. */
  method: string;
  /** Similarity or judge score when the method has one. */
  score: number | null;
  /** Why there is no verdict. */
  error: string | null;
}

/** The guardrail took a tactic of a feature out of service (`shadow`) or put it back (`active`). */
export interface GuardSwitch {
  ts: number;
  feature: string;
  tactic: string;
  mode: 'shadow' | 'active';
  /** The evidence at the switch: agreements, n, Wilson lower bound, the floor. */
  agree: number;
  n: number;
  lower: number;
  floor: number;
}

export interface EvaluationFilter {
  feature?: string;
  tactic?: string;
  /** Only verdicts (agree / disagree), not "no verdict" (what the guardrail's window holds). */
  decided?: boolean;
  from?: number;
  to?: number;
  limit?: number;
}

export interface EvaluationStore {
  put(e: Evaluation): Promise<void>;
  get(requestId: string): Promise<Evaluation | null>;
  /** Newest first. */
  list(filter?: EvaluationFilter): Promise<Evaluation[]>;
  recordSwitch(s: GuardSwitch): Promise<void>;
  /** Newest first. */
  switches(filter?: Pick<EvaluationFilter, 'feature' | 'from' | 'limit'>): Promise<GuardSwitch[]>;
}

export interface QualityStores {
  experiments: ExperimentStateStore;
  feedback: FeedbackStore;
  evaluations: EvaluationStore;
  close(): Promise<void>;
}
