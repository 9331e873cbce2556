/**
 * The fingerprint Penny records for a client's own provider key — `key-` and 12 hex digits of its sha256 —
 * wherever it needs to tell callers apart without keeping a key (cache namespaces, feedback ownership).
 * A cacheable request used to hash its key every time; the fingerprints of the last `MEMO_SIZE` keys are
 * remembered here, keyed by the key itself. That map lives in this process's memory only: the raw key is
 * never logged, stored, exported or put in an error from here.
 */
import { hash } from 'node:crypto';

const MEMO_SIZE = 1024;
const memo = new Map<string, string>();
/** The most recently used key (already at the end of the memo: nothing to move). */
let newest: string | undefined;

export function keyFingerprint(key: string): string {
  let fp = memo.get(key);
  if (fp !== undefined) {
    // Least recently used goes first: a key in use moves to the end.
    if (key !== newest) {
      memo.delete(key);
      memo.set(key, fp);
      newest = key;
    }
    return fp;
  }
  fp = `key-${hash('sha256', key, 'hex').slice(0, 12)}`;
  memo.set(key, fp);
  newest = key;
  if (memo.size > MEMO_SIZE) memo.delete(memo.keys().next().value!);
  return fp;
}

/** How many fingerprints are remembered (tests). */
export function keyFingerprintMemoSize(): number {
  return memo.size;
}
