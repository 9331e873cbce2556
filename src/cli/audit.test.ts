import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_PRICES } from '../audit/test-support.js';
import { auditCommand } from './audit.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/audit/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'penny-audit-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('penny audit', () => {
  test('prices with the bundled catalog and writes the HTML report', async () => {
    const html = join(tmp, 'report.html');
    const out = await auditCommand({ file: join(FIXTURES, 'openai.jsonl'), html, progress: false });
    assert.match(out, /4 requests from 7 lines; 2 malformed/);
    assert.match(out, /spend in the log: \$0\.0074/);
    assert.match(out, /HTML report written to/);
    const page = readFileSync(html, 'utf8');
    assert.ok(page.includes('Penny audit'));
    assert.doesNotMatch(page, /https?:\/\//);
  });

  test('--json with an injected price lookup', async () => {
    const lookup = (m: string) => TEST_PRICES.find((p) => p.model === m || p.aliases?.includes(m));
    const out = await auditCommand({
      file: join(FIXTURES, 'usage.csv'),
      json: true,
      priceLookup: lookup,
      progress: false,
    });
    const report = JSON.parse(out);
    assert.equal(report.total.cost, '0.00337');
    assert.equal(report.format, 'csv');
  });

  test('an unknown file format is an error naming the formats read', async () => {
    await assert.rejects(
      auditCommand({ file: join(FIXTURES, 'unknown.txt'), progress: false }),
      /penny audit reads:/,
    );
  });
});
