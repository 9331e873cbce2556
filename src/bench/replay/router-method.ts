/** The router kinds `penny router train --method` and the replay can train (router-training.ts). */
export type RouterMethod =
  | 'logreg'
  | 'knn'
  | 'embed-knn'
  | 'blend'
  | 'dual'
  | 'dual-blend'
  | 'dual-gbdt'
  | 'length'
  | 'subject-prior'
  | 'topic-prior'
  | 'anchored'
  | 'stack';
