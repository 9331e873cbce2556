/**
 * Options and flag parsers several commands share. Kept free of heavy imports: every command file
 * imports this at `--help` time.
 */
import { InvalidArgumentError, Option } from 'commander';

export function configOption(): Option {
  return new Option(
    '-c, --config <file>',
    'config file (YAML or JSON); default: $PENNY_CONFIG or ./penny.config.yaml',
  );
}

export function ledgerOption(): Option {
  return new Option(
    '--ledger <path>',
    'ledger SQLite file; default: $PENNY_LEDGER_PATH or ~/.penny/ledger.db',
  );
}

export function parseNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`must be a number 0-65535, got "${v}"`);
  return n;
}

/** The price catalog for a config file (or the default config), loaded only when a command runs. */
export async function catalogFor(config: string | undefined) {
  const { loadConfig } = await import('../../config/load.js');
  const { buildCatalog } = await import('../../app.js');
  return buildCatalog(loadConfig(config ? { file: config } : {}));
}

export function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
