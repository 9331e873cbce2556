/**
 * What Penny remembers of a file or batch a client created through the pass-through: who owns it (the
 * fingerprint of the credential that created it: only that credential sees it) and whom its results are
 * billed to (the key, feature and user of the request that created the batch). An output or error file
 * learnt from its batch carries the batch's id and attribution, so its content is priced as that batch's.
 */
export type BatchObjectKind = 'file' | 'batch';

export interface BatchObject {
  kind: BatchObjectKind;
  /** The provider's id (file-…, batch_…, msgbatch_…). */
  id: string;
  /** The configured provider's name. */
  provider: string;
  owner: string;
  keyId: string | null;
  feature: string | null;
  user: string | null;
  createdAt: number;
  /** For a batch's output or error file: the batch whose results it holds. */
  batchId?: string;
}
