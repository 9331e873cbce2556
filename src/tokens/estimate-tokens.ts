/**
 * Token counts for usage estimates (a stream the client left, a call cut after the upstream had it), on the
 * gateway's own thread, a slice at a time. Building the o200k rank table takes ~50–90 ms of CPU and counting
 * a long prompt tens of ms; done at once, either would stall every request in flight at the first aborted
 * one. So an estimate is a job in a queue worked off in slices of about a millisecond between turns of the
 * event loop (`setImmediate`, after the loop has polled for I/O): first the rank table, built a step at a time
 * (BpeTableBuilder) on first need, then the texts, a few thousand characters at a time
 * (BpeCounter.countFrom). The same functions give the same numbers as `countRequestTokens` /
 * `countOutputTokens`.
 *
 * This replaced a worker thread, which cost ~20 MB of RSS while it lived — its own V8 isolate and heap, a
 * malloc arena, a stack — against ~5 MB for the table here (BENCHMARKS.md, issue 14 item 3, round 9).
 */
import type { CanonicalRequest } from '../core/request.js';
import { planRequestCount } from './count-request.js';
import { textEncoding, textTokens } from './count-text.js';
import { encoderLoaded, loadStep } from './encoders.js';
import type { OpenAiEncoding } from './token-count.js';

export interface EstimatedTokens {
  input: number | null;
  output: number;
}

/**
 * Work per slice, in characters of text counted; a line of a rank table built counts as two. A slice is
 * about 1–2 ms of CPU on the benchmark machine (a character ~0.14 µs, a table line ~0.45 µs).
 */
const SLICE = 8_000;
const PER_TABLE_LINE = 2;
/** What starting a text costs, in characters (its role name is a text of its own). */
const PER_TEXT = 16;

interface Job {
  encoding: OpenAiEncoding;
  /** The prompt's texts (when the input side is estimated), then the output text. */
  texts: string[];
  /** How many of `texts` are the prompt's. */
  inputTexts: number;
  /** The text being counted, and where in it. */
  next: number;
  at: number;
  /** Raw counts so far. */
  input: number;
  output: number;
  result: (input: number, output: number) => EstimatedTokens;
  resolve: (t: EstimatedTokens) => void;
  reject: (e: Error) => void;
}

const queue: Job[] = [];
let scheduled = false;

/** Prompt tokens of `request` (when given) and output tokens of `text`, as `model` counts them. */
export function estimateTokens(
  request: CanonicalRequest | null,
  text: string,
  model: string,
): Promise<EstimatedTokens> {
  if (request === null && text.length === 0) return Promise.resolve({ input: null, output: 0 });
  return new Promise((resolve, reject) => {
    const plan = request === null ? null : planRequestCount(request, model);
    const texts = plan === null ? [] : plan.texts;
    const inputTexts = texts.length;
    if (text.length > 0) texts.push(text);
    queue.push({
      encoding: textEncoding(model),
      texts,
      inputTexts,
      next: 0,
      at: 0,
      input: 0,
      output: 0,
      result: (input, output) => ({
        input: plan === null ? null : plan.tokens(input),
        output: textTokens(model, output),
      }),
      resolve,
      reject,
    });
    // The first slice now: a short estimate with its table loaded is done before this returns.
    if (!scheduled) work();
  });
}

/** One slice of the queue's work; the next is scheduled while work is left. */
function work(): void {
  scheduled = false;
  let budget = SLICE;
  while (budget > 0 && queue.length > 0) {
    const job = queue[0]!;
    try {
      if (job.next < job.texts.length && !encoderLoaded(job.encoding)) {
        loadStep(job.encoding, budget / PER_TABLE_LINE);
        break; // the slice went on the table (done or not); count in the next
      }
      budget -= countSome(job, budget);
      if (job.next < job.texts.length) continue;
      queue.shift();
      job.resolve(job.result(job.input, job.output));
    } catch (e) {
      queue.shift();
      job.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
  if (queue.length > 0 && !scheduled) {
    scheduled = true;
    setImmediate(work);
  }
}

/** Counts about `budget` characters of `job`'s texts on from where it stopped; the budget it used. */
function countSome(job: Job, budget: number): number {
  const counter = loadStep(job.encoding, 0);
  if (counter === null) return 0;
  let used = 0;
  while (used < budget && job.next < job.texts.length) {
    const text = job.texts[job.next]!;
    const from = job.at;
    const n = counter.countFrom(text, from, budget - used);
    if (job.next < job.inputTexts) job.input += n;
    else job.output += n;
    if (counter.resume < 0) {
      used += text.length - from + PER_TEXT;
      job.next++;
      job.at = 0;
    } else {
      used += counter.resume - from;
      job.at = counter.resume;
    }
  }
  return used;
}
