/**
 * The stored rows of feedback and evaluations, as both quality stores read them back (SQLite returns `ts` as a
 * number, node-postgres returns BIGINT as a string), and their mapping to the store's records.
 */
import type { Evaluation, Feedback, Thumbs, Verdict } from './quality-stores.js';

export interface FeedbackRow {
  request_id: string;
  key_id: string | null;
  ts: number | string;
  score: number | null;
  label: string | null;
  thumbs: string | null;
  comment: string | null;
}

export function feedbackOf(r: FeedbackRow): Feedback {
  return {
    requestId: r.request_id,
    keyId: r.key_id,
    ts: Number(r.ts),
    score: r.score,
    label: r.label,
    thumbs: r.thumbs as Thumbs | null,
    comment: r.comment,
  };
}

export interface EvaluationRow {
  request_id: string;
  evaluation_id: string | null;
  ts: number | string;
  feature: string;
  tactic: string;
  arm: string | null;
  verdict: string;
  method: string;
  score: number | null;
  error: string | null;
}

export function evaluationOf(r: EvaluationRow): Evaluation {
  return {
    requestId: r.request_id,
    evaluationId: r.evaluation_id,
    ts: Number(r.ts),
    feature: r.feature,
    tactic: r.tactic,
    arm: r.arm,
    verdict: r.verdict as Verdict,
    method: r.method,
    score: r.score,
    error: r.error,
  };
}
