/**
 * Alerts: a log line at once, then each configured webhook (Penny's JSON, or a Slack-compatible
 * incoming-webhook body) off the request path, retried with exponential backoff. De-duplication happens
 * before an alert gets here (the counter store's `once`, shared by instances); the sender also drops an
 * id it has already queued, so a burst of settlements in one process sends one alert.
 */
import type { Logger } from '../observability/logger.js';
import { undiciApi } from '../providers/undici-api.js';

export interface Alert {
  /** Stable id: the same alert from any instance has the same id. */
  id: string;
  kind: 'budget_threshold' | 'budget_refused' | 'spend_rate' | 'store_unavailable' | 'quality_guardrail';
  message: string;
  budget?: string;
  scope?: string;
  thresholdPct?: number;
  limitUsd?: string;
  spentUsd?: string;
  reservedUsd?: string;
  resetAt?: string | null;
  lastHourUsd?: string;
  trailingHourlyUsd?: string;
  /** quality_guardrail: the feature and tactic, the mode switched to, and the evidence. */
  feature?: string;
  tactic?: string;
  mode?: 'shadow' | 'active';
  agree?: number;
  n?: number;
  lowerBound?: number;
  floor?: number;
  at: string;
}

export interface Webhook {
  url: string;
  format: 'json' | 'slack';
  headers?: Record<string, string> | undefined;
}

export type PostJson = (
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<number>;

export interface AlertSenderOptions {
  webhooks: readonly Webhook[];
  logger: Logger;
  maxAttempts: number;
  timeoutMs: number;
  /** Base backoff delay, ms (doubles per attempt). */
  baseDelayMs?: number;
  post?: PostJson;
}

const postJson: PostJson = async (url, body, headers, timeoutMs) => {
  const { request } = await undiciApi();
  const res = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  await res.body.dump();
  return res.statusCode;
};

export function slackPayload(a: Alert): Record<string, unknown> {
  return {
    text: `Penny: ${a.message}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*Penny* — ${a.message}` } }],
  };
}

export class AlertSender {
  private readonly seen = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly post: PostJson;
  /** Deliveries that failed after every attempt. */
  failed = 0;
  sent = 0;

  constructor(private readonly opts: AlertSenderOptions) {
    this.post = opts.post ?? postJson;
  }

  emit(a: Alert): void {
    if (this.seen.has(a.id)) return;
    this.seen.add(a.id);
    if (this.seen.size > 10_000) this.seen.clear();
    this.opts.logger.warn(`alert: ${a.message}`, {
      alert: a.kind,
      id: a.id,
      ...(a.budget ? { budget: a.budget } : {}),
    });
    for (const w of this.opts.webhooks) {
      const p = this.deliver(w, a).finally(() => this.pending.delete(p));
      this.pending.add(p);
    }
  }

  private async deliver(w: Webhook, a: Alert): Promise<void> {
    const body = JSON.stringify(w.format === 'slack' ? slackPayload(a) : a);
    const base = this.opts.baseDelayMs ?? 500;
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      try {
        const status = await this.post(w.url, body, w.headers ?? {}, this.opts.timeoutMs);
        if (status >= 200 && status < 300) {
          this.sent++;
          return;
        }
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
          this.opts.logger.error('alert webhook refused the alert', { url: hostOf(w.url), status, id: a.id });
          this.failed++;
          return;
        }
      } catch (e) {
        if (attempt === this.opts.maxAttempts)
          this.opts.logger.error('alert webhook unreachable', { url: hostOf(w.url), error: e, id: a.id });
      }
      if (attempt < this.opts.maxAttempts) await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1)));
    }
    this.failed++;
  }

  /** Waits for deliveries in flight (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }
}

/** Only the host of a webhook URL is logged (its path often holds a secret, as Slack's does). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
