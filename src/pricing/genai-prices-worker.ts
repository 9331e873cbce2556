/** Worker entry: converts the bundled genai-prices data and posts the entries back (see load-builtin-isolated.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { loadGenaiPrices } from './genai-prices.js';

const now = (workerData as { now?: number } | undefined)?.now;
parentPort?.postMessage(loadGenaiPrices(now === undefined ? {} : { now: new Date(now) }));
