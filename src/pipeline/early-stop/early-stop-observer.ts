/**
 * The stream observer behind server-side early stop: it follows the text of the first choice and, once the
 * feature's stop rule says the answer is complete, cuts the delta at that point; the executor then aborts
 * the upstream request and ends the client's stream cleanly. What it decided is kept for the ledger.
 */
import type { StreamEvent } from '../../core/response.js';
import type { StreamCut, StreamObserver } from '../context.js';
import { type StopPoint, type StopRule, StopDetector } from './stop-detector.js';

export class EarlyStopObserver implements StreamObserver {
  /** Set once the rule was met. */
  stopped: StopPoint | null = null;
  private text = '';
  private readonly detector: StopDetector;

  constructor(rule: StopRule) {
    this.detector = new StopDetector(rule);
  }

  observe(ev: StreamEvent): StreamCut | null {
    if (this.stopped !== null || ev.type !== 'text' || ev.index !== 0) return null;
    const before = this.text.length;
    this.text += ev.text;
    const point = this.detector.check(this.text);
    if (point === null) return null;
    this.stopped = point;
    const keep = point.at - before;
    return {
      last: keep > 0 ? [{ ...ev, text: ev.text.slice(0, keep) }] : [],
      discardedText: this.text.slice(Math.max(point.at, before)),
    };
  }

  /** The answer as delivered. */
  get delivered(): string {
    return this.stopped ? this.text.slice(0, this.stopped.at) : this.text;
  }
}
