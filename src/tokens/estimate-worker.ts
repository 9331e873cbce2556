/**
 * The worker thread that counts tokens for usage estimates (see estimate-tokens.ts): the same counting
 * functions as the main thread, so the same numbers, with the BPE rank tables in this thread.
 * After a count that loaded a rank table, the worker collects the table's construction garbage once
 * (full-gc.ts): several MB of RSS for as long as the worker lives, for one GC per table.
 */
import { parentPort } from 'node:worker_threads';
import { countOutputTokens } from './count-text.js';
import { countRequestTokens } from './count-request.js';
import { loadedEncoders } from './encoders.js';
import type { EstimateJob, EstimateReply } from './estimate-tokens.js';
import { fullGc } from './full-gc.js';

parentPort?.on('message', (job: EstimateJob) => {
  const tables = loadedEncoders();
  let reply: EstimateReply;
  try {
    reply = {
      id: job.id,
      input: job.request === null ? null : countRequestTokens(job.request, job.model).tokens,
      output: countOutputTokens(job.text, job.model).tokens,
    };
  } catch (e) {
    reply = { id: job.id, input: null, output: 0, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
  if (loadedEncoders() > tables) fullGc();
});
