/**
 * undici's connection Pool and error classes, from their own modules rather than undici's index. The index
 * loads all of undici (fetch, WebSocket, the HTTP cache, mock agents: 110 modules) into every gateway's main
 * heap: ~3 MB more than the Pool the request path uses (BENCHMARKS.md, issue 14, Memory). The occasional calls
 * that want undici's `request()` load the index when they first run (undici-api.ts). Same modules as the
 * index's own (it requires these files), so `instanceof` and the error classes agree.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export type Pool = Undici.Pool;
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
