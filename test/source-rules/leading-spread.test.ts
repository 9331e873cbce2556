/**
 * No object literal on the request path opens with a spread and then adds members (`{ ...base, status }`):
 * on Node 20's V8 the spread clones the source with a map outside the transition tree, so every member added
 * after it builds a new map — 0.5–1 µs each; the non-streamed outcome literal alone cost ~5 µs per request
 * (BENCHMARKS.md, CPU per request, issue 14 round 8). List the members, start the literal with one of its own,
 * or copy with `ownCopy` (src/core/own-copy.ts). A literal whose later members only overwrite members the
 * spread source always has is as fast as a plain clone; those are listed below with the members they set.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/** The request path: every request of the default configuration, and the dialect modules' render/encode. */
const SCANNED = [
  'src/pipeline/gateway.ts',
  'src/pipeline/context.ts',
  'src/pipeline/stage.ts',
  'src/pipeline/execute/single.ts',
  'src/pipeline/execute/attempt.ts',
  'src/pipeline/execute/answer.ts',
  'src/pipeline/execute/outcomes.ts',
  'src/pipeline/execute/pipe-stream.ts',
  'src/pipeline/execute/stream-endings.ts',
  'src/pipeline/execute/fast-body.ts',
  'src/pipeline/settle',
  'src/server',
  'src/providers',
  'src/ledger/sqlite',
  'src/metrics/penny-metrics.ts',
  'src/prompts-store/capture-stage.ts',
];

/** `file: spread source` of literals whose later members overwrite members the source always has. */
const OVERWRITES_ONLY = new Set([
  'src/pipeline/gateway.ts: ...call', // sink: an IncomingCall always has one
  'src/pipeline/gateway.ts: ...outcome', // status, httpStatus, error
  'src/pipeline/execute/attempt.ts: ...ctx', // request
  'src/pipeline/settle/tactic-savings.ts: ...usage', // the usage counts
  'src/server/routes-responses.ts: ...call', // body, sink, preError: the server's call literal has them all
  'src/providers/openai/convert-usage.ts: ...base', // the raw OpenAI usage's own counts
  'src/providers/openai/convert-usage.ts: ...rawPrompt', // cached_tokens
  'src/providers/openai/convert-usage.ts: ...rawCompletion', // reasoning_tokens
  'src/providers/openai-responses/stream-encoder.ts: ...item', // content
]);

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((n) => files(join(path, n)));
}

function leadingSpreads(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const [first, ...rest] = node.properties;
      if (first !== undefined && ts.isSpreadAssignment(first) && rest.length > 0) {
        const at = `${file}: ...${first.expression.getText(source)}`;
        if (!OVERWRITES_ONLY.has(at)) {
          const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
          found.push(`${file}:${line} { ...${first.expression.getText(source)}, … }`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no object literal on the request path opens with a spread and adds members', () => {
  const scanned = SCANNED.flatMap(files).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  assert.ok(scanned.length > 50, `scanned ${scanned.length} files`);
  assert.deepEqual(scanned.flatMap(leadingSpreads), []);
});
