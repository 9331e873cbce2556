/** Penny's public library API. */
export { createPenny, type Penny, type PennyOptions } from './library/penny-fetch.js';
export { startPenny, type PennyApp, type StartOptions } from './app.js';
export { loadConfig } from './config/load.js';
export type { PennyConfig } from './config/schema.js';
export type { LedgerEntry } from './core/ledger-entry.js';
export type { Ledger, LedgerFilter, SummaryRow } from './ledger/ledger.js';
export { PennyError, ConfigError, InvalidRequestError, ProviderError } from './core/errors.js';
export { formatUsd, moneyToDecimal, usd, type Money } from './core/money.js';
export type { Usage } from './core/usage.js';
