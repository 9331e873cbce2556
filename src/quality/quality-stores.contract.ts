/**
 * What every QualityStores backend must do, as one suite: `qualityStoresContract(name, make)` with `make`
 * returning fresh, empty stores. Run on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Evaluation, Feedback, QualityStores } from './quality-stores.js';

function evaluation(o: Partial<Evaluation>): Evaluation {
  return {
    requestId: 'r1',
    evaluationId: 'ev1',
    ts: 1000,
    feature: 'support',
    tactic: 'route',
    arm: null,
    verdict: 'agree',
    method: 'structured',
    score: null,
    error: null,
    ...o,
  };
}

export function qualityStoresContract(
  name: string,
  make: () => Promise<{ stores: QualityStores; cleanup: () => Promise<void> }>,
  opts: { skip?: string | false } = {},
): void {
  describe(`quality stores contract: ${name}`, { skip: opts.skip ?? false }, () => {
    async function withStores(fn: (s: QualityStores) => Promise<void>): Promise<void> {
      const { stores, cleanup } = await make();
      try {
        await fn(stores);
      } finally {
        await stores.close();
        await cleanup();
      }
    }

    test('experiment stops: stop, replace, list, resume', async () => {
      await withStores(async ({ experiments }) => {
        assert.deepEqual(await experiments.list(), []);
        await experiments.stop({ name: 'b-exp', arm: 'control', stoppedAt: 5 });
        await experiments.stop({ name: 'a-exp', arm: 'treatment', stoppedAt: 6 });
        await experiments.stop({ name: 'b-exp', arm: 'treatment', stoppedAt: 7 });
        assert.deepEqual(await experiments.list(), [
          { name: 'a-exp', arm: 'treatment', stoppedAt: 6 },
          { name: 'b-exp', arm: 'treatment', stoppedAt: 7 },
        ]);
        assert.equal(await experiments.resume('b-exp'), true);
        assert.equal(await experiments.resume('b-exp'), false);
        assert.deepEqual(
          (await experiments.list()).map((s) => s.name),
          ['a-exp'],
        );
      });
    });

    test('feedback: put, get, replace, forRequests', async () => {
      await withStores(async ({ feedback }) => {
        const f: Feedback = {
          requestId: 'r1',
          keyId: 'k1',
          ts: 10,
          score: 0.75,
          label: 'correct',
          thumbs: 'up',
          comment: 'good — ünïcode',
        };
        assert.equal(await feedback.get('r1'), null);
        await feedback.put(f);
        assert.deepEqual(await feedback.get('r1'), f);
        await feedback.put({ ...f, thumbs: 'down', score: null, label: null, comment: null, ts: 11 });
        assert.deepEqual(await feedback.get('r1'), {
          ...f,
          thumbs: 'down',
          score: null,
          label: null,
          comment: null,
          ts: 11,
        });
        await feedback.put({ ...f, requestId: 'r2', keyId: null });
        const got = await feedback.forRequests(['r2', 'r1', 'r9']);
        assert.deepEqual(got.map((x) => x.requestId).sort(), ['r1', 'r2']);
        assert.deepEqual(await feedback.forRequests([]), []);
      });
    });

    test('evaluations: put, get, replace, list newest first with filters; switches', async () => {
      await withStores(async ({ evaluations }) => {
        await evaluations.put(evaluation({ requestId: 'r1', ts: 1 }));
        await evaluations.put(evaluation({ requestId: 'r2', ts: 2, tactic: 'cascade', verdict: 'disagree' }));
        await evaluations.put(
          evaluation({
            requestId: 'r3',
            ts: 3,
            feature: 'other',
            verdict: 'none',
            evaluationId: null,
            error: 'timeout',
            score: 0.5,
            arm: 'treatment',
          }),
        );
        assert.deepEqual(await evaluations.get('r3'), {
          requestId: 'r3',
          evaluationId: null,
          ts: 3,
          feature: 'other',
          tactic: 'route',
          arm: 'treatment',
          verdict: 'none',
          method: 'structured',
          score: 0.5,
          error: 'timeout',
        });
        assert.equal(await evaluations.get('nope'), null);
        const ids = async (f: Parameters<typeof evaluations.list>[0]) =>
          (await evaluations.list(f)).map((e) => e.requestId);
        assert.deepEqual(await ids({}), ['r3', 'r2', 'r1']);
        assert.deepEqual(await ids({ feature: 'support' }), ['r2', 'r1']);
        assert.deepEqual(await ids({ feature: 'support', tactic: 'route' }), ['r1']);
        assert.deepEqual(await ids({ from: 2, to: 3 }), ['r2']);
        assert.deepEqual(await ids({ limit: 1 }), ['r3']);
        // `decided`: verdicts only (the guardrail's window at start-up), newest first.
        assert.deepEqual(await ids({ decided: true }), ['r2', 'r1']);
        assert.deepEqual(await ids({ decided: true, feature: 'other' }), []);
        assert.deepEqual(await ids({ decided: true, limit: 1 }), ['r2']);
        await evaluations.put(evaluation({ requestId: 'r1', ts: 1, verdict: 'disagree' }));
        assert.equal((await evaluations.get('r1'))?.verdict, 'disagree');

        await evaluations.recordSwitch({
          ts: 5,
          feature: 'support',
          tactic: 'route',
          mode: 'shadow',
          agree: 10,
          n: 20,
          lower: 0.3,
          floor: 0.95,
        });
        await evaluations.recordSwitch({
          ts: 6,
          feature: 'support',
          tactic: 'route',
          mode: 'active',
          agree: 90,
          n: 91,
          lower: 0.96,
          floor: 0.95,
        });
        const sw = await evaluations.switches({ feature: 'support' });
        assert.deepEqual(
          sw.map((s) => [s.mode, s.n]),
          [
            ['active', 91],
            ['shadow', 20],
          ],
        );
        assert.equal(sw[1]?.lower, 0.3);
        assert.deepEqual(await evaluations.switches({ feature: 'none' }), []);
      });
    });
  });
}
