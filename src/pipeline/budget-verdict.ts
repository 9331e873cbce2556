/**
 * The budget guard's verdict for a request, in a typed slot: the governance stage (budgets) writes it
 * before routing, and route rules with `when.budget` read it. Until a budget guard runs, no request has a
 * verdict and such rules do not match.
 */
import { defineSlot } from './slots.js';

export interface BudgetVerdict {
  /** The budget state the request was admitted in: "ok", "warning" or "exceeded" (src/governance/guard-stage.ts). */
  state: string;
  /** The downgrade budget that decided the state, when not "ok". */
  budget?: string;
}

export const BUDGET = defineSlot<BudgetVerdict>('budget');
