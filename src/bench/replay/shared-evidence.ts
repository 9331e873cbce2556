/**
 * The evidence sections of the replay report on the shared datasets: the same routers and cascades the
 * legacy tables show (their train-half scores out-of-fold where they were trained there), put against the
 * single-model frontier and 1,000 seeded random routers by `outcome-bench.ts` / `evidence.ts`.
 */
import { STRONG, type OverrulingDataset, type TwoModelDataset, WEAK } from './datasets.js';
import { cascadeSweepEvidence, type EvidenceRow, pointsEvidence, routerEvidence } from './evidence.js';
import { type OutcomeReport, runOutcomeBench } from './outcome-bench.js';
import { outcomesFromOverruling, outcomesFromTwoModel } from './outcomes.js';
import type { OverrulingReport } from './overruling-bench.js';
import type { TwoModelReport } from './routellm-bench.js';

export function twoModelEvidence(
  ds: TwoModelDataset,
  rep: TwoModelReport,
  routers: number,
  log?: (l: string) => void,
): OutcomeReport {
  return runOutcomeBench(outcomesFromTwoModel(ds, WEAK, STRONG), {
    routers,
    builtinRouters: false,
    builtinCascades: false,
    replicate: true,
    ...(log ? { log } : {}),
    extraRows: (ctx, tr, te) =>
      rep.evidenceInputs.map((inp): EvidenceRow => {
        const scores = {
          train: tr.map((r) => inp.byId.get(r.id)!),
          test: te.map((r) => inp.byId.get(r.id)!),
        };
        return inp.cascade
          ? cascadeSweepEvidence(ctx, inp.router, scores, 0)
          : routerEvidence(
              ctx,
              inp.router,
              () => scores,
              inp.kind === 'transfer' ? 'trained on other datasets only' : undefined,
            );
      }),
  });
}

export function overrulingEvidence(
  ds: OverrulingDataset,
  rep: OverrulingReport,
  routers: number,
  log?: (l: string) => void,
): OutcomeReport {
  return runOutcomeBench(outcomesFromOverruling(ds), {
    routers,
    replicate: true,
    ...(log ? { log } : {}),
    // The chain search and reference cascades were fitted on the train half only: not replicated.
    extraRows: (ctx, _tr, _te, swapped) => {
      const rows: EvidenceRow[] = [];
      if (swapped) return rows;
      rows.push(
        pointsEvidence(
          ctx,
          'Penny cascade chains searched on train (budget sweep)',
          rep.frontier.map((p) => ({
            trainCost: p.train!.costPerQuery,
            testCost: p.costPerQuery,
            testQuality: p.accuracy,
            label: p.label,
          })),
          'cascade',
          'each budget’s chain and thresholds chosen on train (FrugalGPT-style search with learned acceptance)',
        ),
      );
      rep.references.forEach((r, i) => {
        rows.push(
          pointsEvidence(
            ctx,
            r.label,
            [
              {
                trainCost: rep.referencesTrain[i]!.costPerQuery,
                testCost: r.costPerQuery,
                testQuality: r.accuracy,
              },
            ],
            'cascade',
          ),
        );
      });
      return rows;
    },
  });
}
