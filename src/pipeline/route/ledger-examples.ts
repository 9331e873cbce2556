/**
 * Router training data from the gateway's own cascade outcomes: a request whose cheap step passed its
 * checks is labelled 0 (the cheap model was enough), one whose cheap step failed or errored is labelled 1.
 * The ledger stores no prompt text, so only requests whose feature stored its bodies (`storePrompts`,
 * `meta.bodyHash`) can become examples; the rest are counted, so the caller can say how many were lost.
 */
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { CanonicalRequest } from '../../core/request.js';
import type { TrainExample } from './classifier.js';
import { lastUserText } from './rules.js';

export interface LedgerExamples {
  examples: TrainExample[];
  /** Cascade outcomes seen. */
  cascades: number;
  /** Of those, without a stored prompt. */
  withoutPrompt: number;
}

interface StepAttempt {
  step?: unknown;
  purpose?: unknown;
  passed?: unknown;
  code?: unknown;
}

/** The label of a cascade entry: did its first step's answer pass? null when it is not a usable outcome. */
export function cascadeLabel(entry: Pick<LedgerEntry, 'meta'>): number | null {
  const attempts = (entry.meta?.cascade as { attempts?: unknown } | undefined)?.attempts;
  if (!Array.isArray(attempts)) return null;
  const first = (attempts as StepAttempt[]).find((a) => a.step === 0 && a.purpose === 'cascade');
  if (!first) return null;
  if (first.passed === true) return 0;
  if (first.passed === false) return 1;
  return null;
}

export function examplesFromLedger(
  entries: readonly LedgerEntry[],
  requestFor: (bodyHash: string) => CanonicalRequest | undefined,
  /** Requests labelled otherwise (by a shadow verdict), left out here. */
  skip?: ReadonlySet<string>,
): LedgerExamples {
  const out: LedgerExamples = { examples: [], cascades: 0, withoutPrompt: 0 };
  for (const e of entries) {
    if (skip?.has(e.id)) continue;
    const label = cascadeLabel(e);
    if (label === null) continue;
    out.cascades++;
    const hash = e.meta?.bodyHash;
    const req = typeof hash === 'string' ? requestFor(hash) : undefined;
    const text = req ? lastUserText(req) : '';
    if (!text) {
      out.withoutPrompt++;
      continue;
    }
    out.examples.push({ text, label });
  }
  return out;
}
