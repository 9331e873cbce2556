import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PennyError } from '../core/errors.js';
import type { Outcome, RequestContext } from './context.js';
import { testContext, testRequest } from './test-support.js';
import { compose, defineStage } from './stage.js';

const request = testRequest({ model: 'm' });
const ctx = (): RequestContext => testContext({ request });
const done = { status: 'ok', httpStatus: 200 } as Outcome;

test('compose runs the stages in order around the last step, once each', async () => {
  const seen: string[] = [];
  const stage = (name: string) =>
    defineStage({
      name,
      async run(_ctx, next) {
        seen.push(`${name}>`);
        const o = await next();
        seen.push(`<${name}`);
        return o;
      },
    });
  const run = compose([stage('a'), stage('b')]);
  const out = await run(ctx(), async () => {
    seen.push('last');
    return done;
  });
  assert.equal(out, done);
  assert.deepEqual(seen, ['a>', 'b>', 'last', '<b', '<a']);
});

test('a stage that answers without next() ends the chain there', async () => {
  let reached = false;
  const run = compose([defineStage({ name: 'hit', run: async () => done })]);
  assert.equal(
    await run(ctx(), async () => {
      reached = true;
      return done;
    }),
    done,
  );
  assert.equal(reached, false);
});

test('a second next() is refused: the last step runs once and the stage gets a rejection naming it', async () => {
  let calls = 0;
  const twice = defineStage({
    name: 'greedy',
    async run(_ctx, next) {
      await next();
      return next();
    },
  });
  const run = compose([twice]);
  await assert.rejects(
    run(ctx(), async () => {
      calls++;
      return done;
    }),
    (e: unknown) =>
      e instanceof PennyError && e.code === 'internal' && /"greedy".*more than once/.test(e.message),
  );
  assert.equal(calls, 1);
});

test('a stage that throws synchronously becomes a rejection', async () => {
  const bad = defineStage({
    name: 'bad',
    run: () => {
      throw new Error('boom');
    },
  });
  await assert.rejects(
    compose([bad])(ctx(), async () => done),
    /boom/,
  );
});

test('defineStage checks the name and the run function', () => {
  assert.throws(() => defineStage({ name: 'Bad Name', run: async () => done }), /stage name/);
  assert.throws(() => defineStage({ name: 'x', run: undefined as never }), /no run function/);
  assert.ok(Object.isFrozen(defineStage({ name: 'ok-name', run: async () => done })));
});
