/**
 * Loads the builtin price data in a short-lived worker thread. The bundled @pydantic/genai-prices module is
 * large (its whole dataset is JavaScript source); converting it in a worker keeps that ~20 MB out of the
 * gateway's long-lived heap, which matters for the memory budget of a busy gateway. Only the converted
 * entries (bigints, structured-cloned) cross back. If the worker cannot start, it loads in-process.
 */
import { Worker } from 'node:worker_threads';
import { loadGenaiPrices } from './genai-prices.js';
import type { PriceEntry } from './price.js';

export async function loadGenaiPricesIsolated(opts: { now?: Date } = {}): Promise<PriceEntry[]> {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './genai-prices-worker.ts' : './genai-prices-worker.js', import.meta.url);
  try {
    return await new Promise<PriceEntry[]>((resolve, reject) => {
      const w = new Worker(url, { workerData: opts.now ? { now: opts.now.getTime() } : {} });
      w.once('message', (entries: PriceEntry[]) => {
        resolve(entries);
        void w.terminate();
      });
      w.once('error', reject);
      w.once('exit', (code) => {
        if (code !== 0) reject(new Error(`price worker exited with code ${code}`));
      });
    });
  } catch {
    return loadGenaiPrices(opts.now ? { now: opts.now } : {});
  }
}
