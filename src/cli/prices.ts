/**
 * `penny prices [model]`: the prices Penny believes and where each number came from. Without a model it
 * prints a curated table of the main current models (not all ~1,500 entries); with a model, the full entry
 * including long-context tiers; `--json` prints the same as data, with prices as decimal strings of USD per
 * 1M tokens (exact — no float rounding on the way out).
 */
import Table from 'cli-table3';
import { perTokenToPerMillionText } from '../core/money.js';
import type { PriceCatalog } from '../pricing/catalog.js';
import type { PriceEntry, PriceField, PriceTier } from '../pricing/price.js';

/** The models shown by `penny prices` without arguments, per provider, newest first. */
export const FEATURED_MODELS: Record<string, readonly string[]> = {
  openai: [
    'gpt-5.5',
    'gpt-5.4',
    'gpt-5.4-mini',
    'gpt-5.4-nano',
    'gpt-5.2',
    'gpt-5.1',
    'gpt-5',
    'gpt-5-mini',
    'gpt-5-nano',
    'gpt-5-pro',
    'gpt-4.1',
    'gpt-4.1-mini',
    'gpt-4.1-nano',
    'gpt-4o',
    'gpt-4o-mini',
    'o3',
    'o3-pro',
    'o4-mini',
    'o1',
    'gpt-3.5-turbo',
  ],
  anthropic: [
    'claude-opus-4-7',
    'claude-opus-4-6',
    'claude-sonnet-4-6',
    'claude-opus-4-5',
    'claude-sonnet-4-5',
    'claude-haiku-4-5',
    'claude-opus-4-1',
    'claude-sonnet-4-0',
    'claude-3-7-sonnet',
    'claude-3-5-haiku',
    'claude-3-haiku',
  ],
  google: [
    'gemini-3.1-pro-preview',
    'gemini-3-pro-preview',
    'gemini-3-flash-preview',
    'gemini-2.5-pro',
    'gemini-2.5-flash',
    'gemini-2.5-flash-lite',
    'gemini-2.0-flash',
    'gemini-2.0-flash-lite',
  ],
  groq: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant', 'openai/gpt-oss-120b', 'openai/gpt-oss-20b'],
  together: [
    'meta-llama/Llama-3.3-70B-Instruct-Turbo',
    'meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo',
    'meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo',
  ],
  deepseek: ['deepseek-chat', 'deepseek-reasoner'],
  'x-ai': ['grok-4', 'grok-3-mini'],
};

export interface RenderPricesOptions {
  model?: string;
  json?: boolean;
}

export function renderPrices(catalog: PriceCatalog, opts: RenderPricesOptions = {}): string {
  if (opts.model !== undefined) {
    const entry = catalog.lookup(opts.model);
    if (!entry) return unknownModel(catalog, opts.model, opts.json === true);
    return opts.json ? JSON.stringify(entryToJson(entry), null, 2) : renderEntry(opts.model, entry);
  }
  const entries = featuredEntries(catalog);
  return opts.json ? JSON.stringify(entries.map(entryToJson), null, 2) : renderTable(entries);
}

/** The curated models that the catalog knows, plus every entry that comes from config overrides. */
export function featuredEntries(catalog: PriceCatalog): PriceEntry[] {
  const out: PriceEntry[] = [];
  const seen = new Set<PriceEntry>();
  const add = (e: PriceEntry | undefined) => {
    if (e && !seen.has(e)) {
      seen.add(e);
      out.push(e);
    }
  };
  for (const [provider, models] of Object.entries(FEATURED_MODELS)) {
    for (const m of models) add(catalog.lookup(m, provider));
  }
  for (const e of catalog.list()) if (e.source === 'config') add(e);
  return out;
}

const DASH = '-';

function usd(v: bigint | undefined): string {
  return v === undefined ? DASH : perTokenToPerMillionText(v);
}

function tokens(n: number | undefined): string {
  return n === undefined ? DASH : n.toLocaleString('en-US');
}

function renderTable(entries: PriceEntry[]): string {
  const table = new Table({
    head: [
      'provider',
      'model',
      'input',
      'cached in',
      'write 5m',
      'write 1h',
      'output',
      'batch in/out',
      'context',
      'max out',
      'source',
    ],
    style: { head: [], border: [], compact: true },
    colAligns: [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'left',
    ],
  });
  let tiered = false;
  for (const e of entries) {
    const mark = e.tiers?.length ? '*' : '';
    if (mark) tiered = true;
    table.push([
      e.provider,
      `${e.model}${mark}`,
      usd(e.input),
      usd(e.cacheRead),
      usd(e.cacheWrite5m),
      usd(e.cacheWrite1h),
      usd(e.output),
      e.batchInput !== undefined || e.batchOutput !== undefined
        ? `${usd(e.batchInput)}/${usd(e.batchOutput)}`
        : DASH,
      tokens(e.contextWindow),
      tokens(e.maxOutput),
      e.source,
    ]);
  }
  const lines = ['Prices in USD per 1M tokens.', table.toString()];
  if (tiered)
    lines.push('* long-context tier above a prompt size re-prices the whole request: penny prices <model>');
  lines.push('Derived values (e.g. batch = 0.5 x standard) are marked in: penny prices <model>');
  return lines.join('\n');
}

const PRICE_ROWS: [PriceField, string][] = [
  ['input', 'input'],
  ['cacheRead', 'cached input (read)'],
  ['cacheWrite5m', 'cache write 5m'],
  ['cacheWrite1h', 'cache write 1h'],
  ['output', 'output'],
  ['reasoning', 'reasoning'],
  ['batchInput', 'batch input'],
  ['batchOutput', 'batch output'],
];

function renderEntry(query: string, e: PriceEntry): string {
  const lines: string[] = [];
  lines.push(`${e.model} (${e.provider})`);
  if (query.trim().toLowerCase() !== e.model.toLowerCase()) lines.push(`  "${query}" resolves to this entry`);
  lines.push(`  source: ${e.source}`);
  if (e.aliases?.length) lines.push(`  aliases: ${e.aliases.join(', ')}`);
  lines.push('', 'Prices (USD per 1M tokens):');
  const from = (f: PriceField) => e.fieldSources?.[f] ?? e.source;
  const width = Math.max(...PRICE_ROWS.map(([, l]) => l.length)) + 2;
  for (const [field, label] of PRICE_ROWS) {
    const v = e[field as keyof PriceEntry] as bigint | undefined;
    if (v === undefined) {
      const fallback =
        field === 'reasoning'
          ? 'billed as output'
          : field === 'cacheRead' || field === 'cacheWrite5m' || field === 'cacheWrite1h'
            ? 'not listed; billed at the input rate and flagged'
            : field.startsWith('batch')
              ? 'not listed; 0.5 x standard assumed and flagged'
              : 'not listed';
      lines.push(`  ${label.padEnd(width)}${DASH.padStart(10)}   ${fallback}`);
    } else {
      lines.push(`  ${label.padEnd(width)}${usd(v).padStart(10)}   ${from(field)}`);
    }
  }
  if (e.tiers?.length) {
    lines.push(
      '',
      'Long-context tiers (the total prompt, cached tokens included, re-prices the whole request):',
    );
    for (const t of e.tiers) lines.push(`  ${tierLine(t)}   ${from('tiers')}`);
  }
  lines.push('', 'Limits:');
  lines.push(
    `  ${'context window'.padEnd(width)}${tokens(e.contextWindow).padStart(10)}   ${limitSource(e, 'contextWindow')}`,
  );
  lines.push(
    `  ${'max output'.padEnd(width)}${tokens(e.maxOutput).padStart(10)}   ${limitSource(e, 'maxOutput')}`,
  );
  if (e.promptCacheMinTokens !== undefined) {
    lines.push(
      `  ${'prompt cache min'.padEnd(width)}${tokens(e.promptCacheMinTokens).padStart(10)}   ${from('promptCacheMinTokens')}`,
    );
  }
  if (e.capabilities) {
    const caps = Object.entries(e.capabilities)
      .filter(([, v]) => v)
      .map(([k]) => k);
    if (caps.length) lines.push(`  capabilities: ${caps.join(', ')} (${from('capabilities')})`);
  }
  if (e.notes?.length) {
    lines.push('', 'Notes:');
    for (const n of e.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}

function limitSource(e: PriceEntry, f: 'contextWindow' | 'maxOutput'): string {
  return e[f] === undefined ? 'not listed' : (e.fieldSources?.[f] ?? e.source);
}

function tierLine(t: PriceTier): string {
  const parts = [`input ${usd(t.input)}`];
  if (t.cacheRead !== undefined) parts.push(`cached input ${usd(t.cacheRead)}`);
  if (t.cacheWrite5m !== undefined) parts.push(`cache write 5m ${usd(t.cacheWrite5m)}`);
  if (t.cacheWrite1h !== undefined) parts.push(`cache write 1h ${usd(t.cacheWrite1h)}`);
  parts.push(`output ${usd(t.output)}`);
  return `prompt > ${tokens(t.aboveInputTokens)} tokens: ${parts.join(', ')}`;
}

function unknownModel(catalog: PriceCatalog, model: string, json: boolean): string {
  const matches = catalog.suggest(model);
  if (json) return JSON.stringify({ model, known: false, closeMatches: matches }, null, 2);
  const lines = [
    `unknown model "${model}": no price source knows it, so its requests will be recorded with cost unknown (not $0).`,
    'Add a price under `prices` in the config (USD per 1M tokens), e.g.:',
    '  prices:',
    `    ${model.includes(':') || model.includes(' ') ? JSON.stringify(model) : model}: { input: 1.0, output: 2.0 }`,
  ];
  if (matches.length) lines.push(`Close matches: ${matches.join(', ')}`);
  return lines.join('\n');
}

/** A JSON-safe view of an entry: prices as exact decimal strings of USD per 1M tokens. */
export function entryToJson(e: PriceEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {
    model: e.model,
    provider: e.provider,
    source: e.source,
    unit: 'USD per 1M tokens',
  };
  for (const [field] of PRICE_ROWS) {
    const v = e[field as keyof PriceEntry] as bigint | undefined;
    if (v !== undefined) out[field] = perTokenToPerMillionText(v);
  }
  if (e.tiers?.length) {
    out.tiers = e.tiers.map((t) => {
      const tier: Record<string, unknown> = { aboveInputTokens: t.aboveInputTokens };
      for (const k of ['input', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'output'] as const) {
        const v = t[k];
        if (v !== undefined) tier[k] = perTokenToPerMillionText(v);
      }
      return tier;
    });
  }
  if (e.contextWindow !== undefined) out.contextWindow = e.contextWindow;
  if (e.maxOutput !== undefined) out.maxOutput = e.maxOutput;
  if (e.promptCacheMinTokens !== undefined) out.promptCacheMinTokens = e.promptCacheMinTokens;
  if (e.capabilities) out.capabilities = e.capabilities;
  if (e.aliases?.length) out.aliases = e.aliases;
  if (e.fieldSources && Object.keys(e.fieldSources).length) out.fieldSources = e.fieldSources;
  if (e.notes?.length) out.notes = e.notes;
  return out;
}
