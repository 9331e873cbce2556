/**
 * `String.prototype.localeCompare` by UTF-16 code units, for the price worker's thread only
 * (genai-prices-worker.ts). @pydantic/genai-prices sorts its usage keys with `localeCompare` as it loads, and
 * ICU's collator then maps ~2 MB of the node binary's ICU data into the process — resident for as long as the
 * gateway runs, since the pages belong to the process, not to the short-lived thread that touched them. Its
 * keys are ASCII identifiers whose order decides nothing the loader returns (genai-prices.test.ts compares the
 * entries with those loaded under ICU's comparison). A worker has its own String.prototype, so nothing else
 * sees this.
 */
export function compareCodeUnits(this: unknown, that: string): number {
  const a = String(this);
  const b = String(that);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function useCodeUnitLocaleCompare(): void {
  String.prototype.localeCompare = compareCodeUnits;
}
