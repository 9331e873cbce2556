/**
 * prom-client's Registry, Counter and Gauge from their own modules rather than prom-client's index. The index
 * also loads its default process metrics, the Pushgateway, Summary (tdigest), cluster aggregation and, through
 * `processCpuTotal`, @opentelemetry/api: 89 modules and ~1.6 MB of every gateway's main heap, against 8 modules
 * and ~0.1 MB for these three (heapUsed after two GCs; BENCHMARKS.md, issue 14 item 3, round 9). Same modules
 * as the index's own (it requires these files), so a registry or metric made either way is the same class.
 */
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry = require('prom-client/lib/registry') as typeof Prom.Registry;
export type Registry = Prom.Registry;
export const Counter = require('prom-client/lib/counter') as typeof Prom.Counter;
export type Counter<T extends string = string> = Prom.Counter<T>;
export const Gauge = require('prom-client/lib/gauge') as typeof Prom.Gauge;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Metric = Prom.Metric;
