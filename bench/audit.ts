/**
 * Audit throughput benchmark: writes a synthetic 1M-line OpenAI request+response JSONL into a temp dir,
 * counts its lines with plain node:readline (the floor any line reader pays), then runs the full audit
 * on the same file in the same process, and prints lines/s for both, their ratio, and peak RSS.
 * Run: node --import tsx bench/audit.ts [lines]   (default 1,000,000; the temp file is removed after,
 * unless PENNY_BENCH_KEEP=1).
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runAudit } from '../src/audit/audit.js';
import { auditPricing } from '../src/audit/fast-cost.js';
import type { AuditPricing } from '../src/audit/types.js';
import { loadCatalog } from '../src/pricing/catalog.js';

const LINES = Number(process.argv[2] ?? 1_000_000);

const FEATURES = [
  'support',
  'search',
  'summarise',
  'classify',
  'nightly-digest',
  'chat',
  'extract',
  'translate',
];
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4', 'gpt-4.1'];
const SYSTEMS = [
  'You are a highly experienced customer service representative. Please answer politely and accurately.',
  'Answer using the provided context.',
  'Classify the sentiment of the text as positive, negative or neutral.',
  `Policy handbook:\n${'Section text about refunds, shipping and warranty terms. '.repeat(90)}`,
];
const FAQ = [
  'What is your refund policy?',
  'How do I reset my password?',
  'Where is my order?',
  'Do you ship abroad?',
];

/** A small deterministic PRNG so every run writes the same file. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 4294967296;
  };
}

function generate(file: string, lines: number): void {
  const rand = rng(42);
  const fd = openSync(file, 'w');
  const start = Date.UTC(2025, 0, 1);
  let chunk: string[] = [];
  for (let i = 0; i < lines; i++) {
    const feature = FEATURES[Math.floor(rand() * FEATURES.length)]!;
    const model = MODELS[Math.floor(rand() * MODELS.length)]!;
    // One request in twenty carries the long (cacheable) handbook prefix; the rest short system prompts.
    const system = rand() < 0.05 ? SYSTEMS[3]! : SYSTEMS[Math.floor(rand() * 3)]!;
    const r = rand();
    const question =
      r < 0.15
        ? FAQ[Math.floor(rand() * FAQ.length)]!
        : `Question ${Math.floor(rand() * 1e9)} about order ${i}?`;
    const promptTokens = Math.ceil((system.length + question.length) / 4) + 12;
    const cached = promptTokens > 1100 && model !== 'gpt-4' && rand() < 0.5 ? 1024 : 0;
    const out = 20 + Math.floor(rand() * 300);
    const ts = new Date(start + Math.floor((i / lines) * 7 * 86_400_000)).toISOString();
    chunk.push(
      JSON.stringify({
        request: {
          model,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: question },
          ],
          max_tokens: 1000,
          temperature: 0,
        },
        response: {
          id: `chatcmpl-${i}`,
          object: 'chat.completion',
          created: Math.floor(Date.parse(ts) / 1000),
          model,
          choices: [
            { index: 0, message: { role: 'assistant', content: 'An answer.' }, finish_reason: 'stop' },
          ],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: out,
            total_tokens: promptTokens + out,
            prompt_tokens_details: { cached_tokens: cached },
          },
        },
        timestamp: ts,
        metadata: { feature, user: `user-${Math.floor(rand() * 20_000)}` },
      }),
    );
    if (chunk.length === 10_000) {
      writeSync(fd, `${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length > 0) writeSync(fd, `${chunk.join('\n')}\n`);
  closeSync(fd);
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

async function countLines(file: string): Promise<number> {
  const rl = createInterface({
    input: createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  rl.on('line', () => {
    n++;
  });
  await new Promise<void>((resolve) => rl.on('close', resolve));
  return n;
}

// The same pricing `penny audit` uses: the bundled catalog and the exact cost engine.
const catalog = loadCatalog();
const PRICING: AuditPricing = auditPricing((model, provider) => catalog.lookup(model, provider));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'penny-audit-bench-'));
  const file = join(dir, 'log.jsonl');
  try {
    const t0 = performance.now();
    generate(file, LINES);
    const genS = (performance.now() - t0) / 1000;
    const bytes = statSync(file).size;
    console.log(
      `generated ${LINES.toLocaleString()} lines, ${(bytes / 1e6).toFixed(0)} MB in ${genS.toFixed(1)} s`,
    );
    const rssBefore = process.memoryUsage().rss;

    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const counted = await countLines(file);
    const baseS = (performance.now() - t1) / 1000;
    const baseCpuS = cpuSeconds(process.cpuUsage(c1));

    let peakRss = process.memoryUsage().rss;
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    const report = await runAudit(file, {
      pricing: PRICING,
      onProgress: () => {
        const rss = process.memoryUsage().rss;
        if (rss > peakRss) peakRss = rss;
      },
    });
    const auditS = (performance.now() - t2) / 1000;
    const auditCpuS = cpuSeconds(process.cpuUsage(c2));

    const baseRate = counted / baseS;
    const auditRate = report.lines / auditS;
    const rate = (n: number, sec: number) => Math.round(n / sec).toLocaleString('en-US');
    console.log(
      `readline baseline: ${rate(counted, baseS)} lines/s wall (${baseS.toFixed(2)} s); ${rate(counted, baseCpuS)} lines per CPU-second`,
    );
    console.log(
      `penny audit:       ${rate(report.lines, auditS)} lines/s wall (${auditS.toFixed(2)} s); ${rate(report.lines, auditCpuS)} lines per CPU-second`,
    );
    console.log(
      `ratio audit / baseline: ${(auditRate / baseRate).toFixed(3)} wall, ${(baseCpuS / auditCpuS).toFixed(3)} CPU`,
    );
    console.log('(CPU-seconds include GC helper threads; on a busy machine they are the steadier measure)');
    console.log(
      `RSS: before ${(rssBefore / 1e6).toFixed(0)} MB, peak during audit ${(peakRss / 1e6).toFixed(0)} MB, process max ${(process.resourceUsage().maxRSS / 1e3).toFixed(0)} MB (file ${(bytes / 1e6).toFixed(0)} MB)`,
    );
    console.log(
      `records ${report.records}, malformed ${report.malformed.count}, target ≥ 100,000 lines/s: ${auditRate >= 100_000 ? 'met' : 'NOT met'}`,
    );
  } finally {
    if (process.env.PENNY_BENCH_KEEP) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
