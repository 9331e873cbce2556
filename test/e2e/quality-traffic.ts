/**
 * A gateway with known quality evidence, for the quality report and the dashboard's quality panel: feature
 * `math` runs experiment `cheap-v1` (control: as sent; treatment: routed to gpt-4o-mini) with every changed
 * request shadow-evaluated on a scripted upstream. Real traffic through the official OpenAI client:
 *   control    5 requests, rated 4 up / 1 down (no tactic: no verdicts; it is the answer as sent)
 *   treatment 10 requests, shadow verdicts 6 agree / 4 disagree, rated 3 up / 2 down
 * plus verdicts stored for earlier days (route in `math`: 19/20 three days ago, 17/20 two days ago), so the
 * retention chart has a history. Every number the tests check follows from these.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { type PennyApp, startPenny } from '../../src/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { assignArm } from '../../src/quality/assign-arm.js';
import type { QualityStores } from '../../src/quality/quality-stores.js';
import { type ScriptedUpstream, startScriptedUpstream } from './scripted-upstream.js';

export const ADMIN_TOKEN = 'quality-admin-token-0123456789';
const DAY = 86_400_000;

export const experiment = {
  name: 'cheap-v1',
  arms: {
    control: { inherit: false },
    treatment: { route: { rules: [{ name: 'mini', targets: ['gpt-4o-mini'] }] } },
  },
  stickBy: 'user',
};

export const features = {
  math: {
    experiment,
    quality: { shadow: { sampleRate: 1, agreement: 'number' }, floor: 0.5, minSamples: 4, window: 50 },
  },
};

function reply(model: string, text: string) {
  return {
    headers: { 'content-type': 'application/json' },
    chunks: [
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
      }),
    ],
  };
}

export interface QualityTraffic {
  app: PennyApp;
  stores: QualityStores;
  dir: string;
  /** A config file for the CLI, on the same ledger. */
  configFile: string;
  control: string[];
  treatment: string[];
  close(): Promise<void>;
}

export async function startQualityTraffic(
  opts: { adminToken?: boolean; host?: string; ledger?: Record<string, unknown> } = {},
): Promise<QualityTraffic> {
  const up: ScriptedUpstream = await startScriptedUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'penny-quality-'));
  const ledger = opts.ledger ?? { path: join(dir, 'ledger.db') };
  const provider = { type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-test-0123456789abcdefghij' };
  const app = await startPenny({
    object: {
      server: {
        port: 0,
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.adminToken
          ? { adminToken: ADMIN_TOKEN, authTokens: { app: 'client-token-0123456789abcdef' } }
          : {}),
      },
      ledger: { ...ledger, flushIntervalMs: 20 },
      circuitBreaker: { enabled: false },
      providers: { openai: provider },
      features,
    },
    env: {},
    logger: createLogger('error', () => {}),
  });
  const configFile = join(dir, 'penny.config.json');
  writeFileSync(configFile, JSON.stringify({ ledger, features }));
  const stores = (await app.quality.ready())!;
  app.quality.random = () => 0.1;
  const base = app.url.replace('0.0.0.0', '127.0.0.1');
  const apiKey = opts.adminToken ? 'client-token-0123456789abcdef' : 'penny';
  const openai = new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });
  const users = Array.from({ length: 60 }, (_, i) => `u${i}`);
  const inArm = (arm: string) => users.filter((u) => assignArm(experiment, `user:${u}`) === arm);

  const ask = async (user: string, cheap: string, strong: string | null): Promise<string> => {
    up.next(reply(strong === null ? 'gpt-4o' : 'gpt-4o-mini', cheap));
    if (strong !== null) up.next(reply('gpt-4o', strong));
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'What is 6 × 7?' }], user },
        { headers: { 'x-penny-feature': 'math' } },
      )
      .withResponse();
    await app.quality.drain();
    return response.headers.get('x-penny-request-id')!;
  };
  const rate = async (id: string, thumbs: 'up' | 'down') => {
    const res = await fetch(`${base}/v1/penny/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ request_id: id, thumbs }),
    });
    if (res.status !== 200) throw new Error(`feedback: ${res.status} ${await res.text()}`);
  };

  // Older evidence first, so the guardrail's live window starts with the recent traffic.
  const now = Date.now();
  for (const [daysAgo, agree] of [
    [3, 19],
    [2, 17],
  ] as const)
    for (let i = 0; i < 20; i++)
      await stores.evaluations.put({
        requestId: `req_hist_${daysAgo}_${i}`,
        evaluationId: null,
        ts: now - daysAgo * DAY + i,
        feature: 'math',
        tactic: 'route',
        arm: 'treatment',
        verdict: i < agree ? 'agree' : 'disagree',
        method: 'structured',
        score: null,
        error: null,
      });

  const controlUsers = inArm('control');
  const treatmentUsers = inArm('treatment');
  const control: string[] = [];
  const treatment: string[] = [];
  for (let i = 0; i < 5; i++) control.push(await ask(controlUsers[i % controlUsers.length]!, '42', null));
  for (let i = 0; i < 10; i++)
    treatment.push(await ask(treatmentUsers[i % treatmentUsers.length]!, i < 6 ? '42' : '41', '42'));
  for (const [i, id] of control.entries()) await rate(id, i < 4 ? 'up' : 'down');
  for (const [i, id] of treatment.slice(0, 5).entries()) await rate(id, i < 3 ? 'up' : 'down');
  await app.gateway.drain();
  await app.ledger.flush();

  return {
    app,
    stores,
    dir,
    configFile,
    control,
    treatment,
    async close() {
      await app.close();
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
