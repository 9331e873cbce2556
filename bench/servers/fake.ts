/** Benchmark upstream: the fake upstream's fast path (precomputed bodies, no recording). Prints its port. */
import { startFakeUpstream } from '../../test/fake-upstream/index.js';

const fake = await startFakeUpstream({ fast: true, record: false, port: Number(process.argv[2] ?? 0) });
process.stdout.write(`READY ${fake.port}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
