/**
 * Worker entry: converts the bundled genai-prices data and posts the entries back (see load-builtin-isolated.ts).
 * Its `localeCompare` compares code units (code-unit-compare.ts): no ICU collation data mapped for the loader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { useCodeUnitLocaleCompare } from './code-unit-compare.js';
import { loadGenaiPrices } from './genai-prices.js';

useCodeUnitLocaleCompare();
const now = (workerData as { now?: number } | undefined)?.now;
parentPort?.postMessage(loadGenaiPrices(now === undefined ? {} : { now: new Date(now) }));
