// Penny as built (dist/), default configuration with the SQLite ledger on, pointed at the benchmark upstream.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPenny } from '../../dist/app.js';
import { createLogger } from '../../dist/observability/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'penny-bench-'));
const app = await startPenny({
  object: {
    server: { port: 0 },
    ledger: { path: join(dir, 'ledger.db') },
    providers: {
      openai: { type: 'openai', baseUrl: `${process.argv[2]}/v1`, apiKey: 'sk-bench-0123456789abcdefghij' },
    },
  },
  env: {},
  logger: createLogger('warn'),
});
process.stdout.write(`READY ${new URL(app.url).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
