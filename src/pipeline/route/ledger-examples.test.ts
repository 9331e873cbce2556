import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LedgerEntry } from '../../core/ledger-entry.js';
import type { CanonicalRequest } from '../../core/request.js';
import { cascadeLabel, examplesFromLedger } from './ledger-examples.js';

const entry = (meta: Record<string, unknown>) => ({ meta }) as unknown as LedgerEntry;
const cascade = (passed: boolean | undefined, bodyHash?: string) =>
  entry({
    cascade: { attempts: [{ step: 0, purpose: 'cascade', ...(passed === undefined ? {} : { passed }) }] },
    ...(bodyHash ? { bodyHash } : {}),
  });
const req = (text: string): CanonicalRequest => ({
  dialect: 'openai',
  model: 'gpt-4o',
  system: [],
  messages: [{ role: 'user', content: [{ type: 'text', text }] }],
  stream: false,
  extra: {},
});

describe('router examples from the ledger', () => {
  test('a passing cheap step is 0, a failing one 1; anything else is no example', () => {
    assert.equal(cascadeLabel(cascade(true)), 0);
    assert.equal(cascadeLabel(cascade(false)), 1);
    assert.equal(cascadeLabel(cascade(undefined)), null);
    assert.equal(cascadeLabel(entry({})), null);
  });

  test('only entries with a stored prompt become examples; the others are counted', () => {
    const bodies: Record<string, CanonicalRequest> = { h1: req('easy one'), h2: req('hard one') };
    const r = examplesFromLedger(
      [
        cascade(true, 'h1'),
        cascade(false, 'h2'),
        cascade(false),
        cascade(true, 'gone'),
        entry({ route: {} }),
      ],
      (h) => bodies[h],
    );
    assert.deepEqual(r.examples, [
      { text: 'easy one', label: 0 },
      { text: 'hard one', label: 1 },
    ]);
    assert.equal(r.cascades, 4);
    assert.equal(r.withoutPrompt, 2);
  });
});
