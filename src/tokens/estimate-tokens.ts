/**
 * Token counts for usage estimates (a stream the client left, a call cut after the upstream had it), off
 * the gateway's event loop and heap. Loading the o200k rank table takes ~50 ms of CPU and ~5 MB, and
 * counting a long answer a few ms; a gateway that never counts tokens on its request path otherwise would
 * pay both on its event loop at the first aborted request. So the count runs in one worker thread shared by the process, started on first
 * use and stopped after `IDLE_MS` without work (its heap goes with it). Same functions, same numbers as
 * `countRequestTokens` / `countOutputTokens`. The count runs in-process instead when the encoder is
 * already loaded here (another feature counts tokens on the request path), when the request cannot be
 * posted to a thread, or when the worker cannot start or dies: an estimate is never lost.
 */
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CanonicalRequest } from '../core/request.js';
import { countOutputTokens } from './count-text.js';
import { countRequestTokens } from './count-request.js';
import { encoderLoaded } from './encoders.js';
import { encodingForModel } from './encoding-for-model.js';

/** Posted to the worker. */
export interface EstimateJob {
  id: number;
  /** The request to count prompt tokens of, or null when the provider reported the input side. */
  request: CanonicalRequest | null;
  /** Generated text to count as output tokens. */
  text: string;
  model: string;
}

/** The worker's answer. */
export interface EstimateReply {
  id: number;
  input: number | null;
  output: number;
  error?: string;
}

export interface EstimatedTokens {
  input: number | null;
  output: number;
}

const IDLE_MS = 30_000;

/**
 * The worker's young generation (MB). V8's default (two 16 MB semi-spaces on 64-bit, as in the main
 * thread) is sized for a thread that allocates fast; this one allocates little per count, and the pages
 * stay committed for as long as it lives. 4 MB takes ~12 MB off its RSS.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

let worker: Worker | null = null;
let broken = false;
let nextId = 1;
let idleTimer: NodeJS.Timeout | null = null;
const pending = new Map<
  number,
  { job: EstimateJob; resolve: (t: EstimatedTokens) => void; reject: (e: Error) => void }
>();

function countHere(request: CanonicalRequest | null, text: string, model: string): EstimatedTokens {
  return {
    input: request === null ? null : countRequestTokens(request, model).tokens,
    output: countOutputTokens(text, model).tokens,
  };
}

/** Prompt tokens of `request` (when given) and output tokens of `text`, as `model` counts them. */
export function estimateTokens(
  request: CanonicalRequest | null,
  text: string,
  model: string,
): Promise<EstimatedTokens> {
  // Nothing to tokenize, or the encoder already lives here: count in-process (no clone, no round trip).
  if (
    (request === null && text.length === 0) ||
    broken ||
    encoderLoaded(encodingForModel(model) ?? 'o200k_base')
  ) {
    try {
      return Promise.resolve(countHere(request, text, model));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((resolve, reject) => {
    const job: EstimateJob = { id: nextId++, request, text, model };
    const w = start();
    if (w === null) return resolve(countHere(request, text, model));
    try {
      w.postMessage(job);
    } catch {
      // Not cloneable (it should always be plain data): count here rather than lose the estimate.
      return resolve(countHere(request, text, model));
    }
    pending.set(job.id, { job, resolve, reject });
    if (idleTimer !== null) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    w.ref(); // a pending estimate keeps the process alive until its entry can settle
  });
}

function start(): Worker | null {
  if (worker !== null) return worker;
  try {
    const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
    const w = typeScriptSource
      ? new Worker(tsxBootstrap(), { eval: true, resourceLimits })
      : new Worker(workerUrl, { resourceLimits });
    w.on('message', (r: EstimateReply) => onReply(r));
    w.on('error', () => fail(w));
    w.on('exit', () => fail(w));
    worker = w;
    return w;
  } catch {
    broken = true;
    return null;
  }
}

/** The worker's module, next to this one: .js when built, .ts when run from source under tsx. */
const workerUrl = new URL(`./estimate-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);
const typeScriptSource = workerUrl.pathname.endsWith('.ts');

/** Node 20 does not apply `--import tsx` to a worker's entry module: register tsx in it first. */
function tsxBootstrap(): string {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${api}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); })`;
}

function onReply(r: EstimateReply): void {
  const p = pending.get(r.id);
  if (p === undefined) return;
  pending.delete(r.id);
  if (r.error !== undefined) p.reject(new Error(r.error));
  else p.resolve({ input: r.input, output: r.output });
  if (pending.size === 0 && worker !== null) {
    worker.unref();
    idleTimer = setTimeout(stop, IDLE_MS);
    idleTimer.unref();
  }
}

function stop(): void {
  idleTimer = null;
  const w = worker;
  if (w === null || pending.size > 0) return;
  worker = null;
  void w.terminate();
}

/** The worker died (or could not load): count what it held here, and every later estimate too. */
function fail(w: Worker): void {
  if (worker !== w) return; // an idle worker we stopped
  worker = null;
  broken = true;
  for (const [id, p] of pending) {
    pending.delete(id);
    try {
      p.resolve(countHere(p.job.request, p.job.text, p.job.model));
    } catch (e) {
      p.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
