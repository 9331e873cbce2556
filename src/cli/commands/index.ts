/**
 * Every `penny` command, in help order. Adding a command: one file in this folder exporting a
 * `defineCommand(...)`, and one line here.
 */
import { audit } from './audit.js';
import { bench } from './bench.js';
import { breakeven } from './breakeven.js';
import { budgets } from './budgets.js';
import { cache } from './cache.js';
import type { CliCommand } from './command.js';
import { experiments } from './experiments.js';
import { exportData } from './export.js';
import { keys } from './keys.js';
import { lintPrompt } from './lint-prompt.js';
import { prices } from './prices.js';
import { report } from './report.js';
import { router } from './router.js';
import { serve } from './serve.js';
import { tryIt } from './try.js';

export const commands = [
  serve,
  tryIt,
  report,
  prices,
  audit,
  breakeven,
  exportData,
  cache,
  keys,
  budgets,
  experiments,
  router,
  bench,
  lintPrompt,
] as const satisfies readonly CliCommand[];
