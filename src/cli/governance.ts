/**
 * `penny keys …` and `penny budgets …`: thin shells over src/governance. They open the same stores as
 * `penny serve` with the same config (SQLite beside the ledger, or Redis), so a running gateway sees a new,
 * revoked or rotated key and a new budget without a restart.
 */
import Table from 'cli-table3';
import { loadConfig } from '../config/load.js';
import { PennyError } from '../core/errors.js';
import { type BudgetFlags, setBudget } from '../governance/budget-admin.js';
import { budgetRows } from '../governance/budget-report.js';
import { Governance, openStores } from '../governance/governance.js';
import {
  type CreateKeyOptions,
  createKey,
  publicKeyView,
  revokeKey,
  rotateKey,
  showKey,
} from '../governance/key-admin.js';
import { silentLogger } from '../observability/logger.js';

export interface StoreFlags {
  config?: string;
  ledger?: string;
}

function load(o: StoreFlags) {
  return loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
}

async function withGovernance<T>(o: StoreFlags, fn: (gov: Governance) => Promise<T>): Promise<T> {
  const loaded = load(o);
  const gov = new Governance(loaded, silentLogger, openStores(loaded));
  try {
    return await fn(gov);
  } finally {
    await gov.close();
  }
}

function stores(gov: Governance) {
  const s = gov.storesOrNull();
  if (!s) throw new PennyError('internal', 'the governance store could not be opened');
  return s;
}

export type KeysAction = 'create' | 'list' | 'show' | 'rotate' | 'revoke';

export async function keysCommand(
  action: KeysAction,
  name: string | undefined,
  o: StoreFlags & Omit<Partial<CreateKeyOptions>, 'name'> & { json?: boolean },
): Promise<string> {
  return withGovernance(o, async (gov) => {
    const { keys } = stores(gov);
    if (action === 'list') {
      const all = (await keys.list()).map((k) => publicKeyView(k));
      if (o.json) return JSON.stringify(all, null, 2);
      if (all.length === 0) return 'no keys yet: penny keys create --name <name>';
      const t = new Table({
        head: ['name', 'state', 'models', 'features', 'budget', 'rpm', 'tpm', 'expires'],
      });
      for (const k of all)
        t.push([
          k.name,
          k.state,
          k.models?.join(',') ?? 'any',
          k.features?.join(',') ?? 'any',
          k.budget ?? '-',
          k.rpm ?? '-',
          k.tpm ?? '-',
          k.expiresAt ?? 'never',
        ]);
      return t.toString();
    }
    if (!name)
      throw new PennyError('invalid_request', `penny keys ${action}: give the key's name`, { param: 'name' });
    if (action === 'create') {
      const { name: _n, json: _j, config: _c, ledger: _l, ...flags } = { ...o, name };
      const { key, record } = await createKey(keys, { name, ...flags });
      const view = publicKeyView(record);
      if (o.json) return JSON.stringify({ key, ...view }, null, 2);
      return `${key}\n\nKey "${record.name}" created. This is the only time the key is shown: only a salted hash is stored.\nClients send it as their SDK's API key (Authorization: Bearer / x-api-key).`;
    }
    if (action === 'rotate') {
      const { key, record } = await rotateKey(keys, name);
      if (o.json) return JSON.stringify({ key, ...publicKeyView(record) }, null, 2);
      return `${key}\n\nKey "${record.name}" rotated: the old secret no longer works (gateways notice within governance.keyCacheMs).`;
    }
    if (action === 'revoke') {
      const record = await revokeKey(keys, name);
      return o.json ? JSON.stringify(publicKeyView(record), null, 2) : `Key "${record.name}" revoked.`;
    }
    const record = await showKey(keys, name);
    const view = publicKeyView(record);
    const own = (await gov.allBudgets()).filter((b) => b.source === 'key' && b.match.key === record.name);
    const spend = await budgetRows(own, gov.counters, gov.now(), gov.config.timeZone);
    const { SqliteLedger } = await import('../ledger/sqlite/sqlite-ledger.js');
    const { existsSync } = await import('node:fs');
    const ledgerPath = load(o).ledgerPath;
    let ledgerSpend: string | null = null;
    if (existsSync(ledgerPath)) {
      const ledger = SqliteLedger.open(ledgerPath);
      try {
        const rows = await ledger.summarize({}, ['key']);
        const row = rows.find((r) => r.group.key === record.name);
        const { moneyToDecimal } = await import('../core/money.js');
        ledgerSpend = row ? (row.cost === null ? 'unknown' : moneyToDecimal(row.cost)) : '0';
      } finally {
        await ledger.close();
      }
    }
    const out = { ...view, budgetWindow: spend[0] ?? null, ledgerSpentUsd: ledgerSpend };
    if (o.json) return JSON.stringify(out, null, 2);
    const lines = Object.entries(view).map(
      ([k, v]) => `${k.padEnd(10)} ${Array.isArray(v) ? v.join(', ') : (v ?? '-')}`,
    );
    if (spend[0])
      lines.push(
        `spent      $${spend[0].spent} of $${spend[0].limit} this ${spend[0].window} (reserved $${spend[0].reserved}; resets ${spend[0].resetAt ?? 'never'})`,
      );
    if (ledgerSpend !== null)
      lines.push(`ledger     $${ledgerSpend} spent in total by this key (this machine's ledger)`);
    return lines.join('\n');
  });
}

export type BudgetsAction = 'list' | 'show' | 'set' | 'delete';

export async function budgetsCommand(
  action: BudgetsAction,
  name: string | undefined,
  o: StoreFlags & BudgetFlags & { json?: boolean },
): Promise<string> {
  return withGovernance(o, async (gov) => {
    const { keys } = stores(gov);
    if (action === 'set') {
      if (!name)
        throw new PennyError('invalid_request', 'penny budgets set: give the budget a name', {
          param: 'name',
        });
      const def = await setBudget(keys, name, o);
      return o.json
        ? JSON.stringify(def, null, 2)
        : `Budget "${def.name}" set: $${def.limit} per ${def.window}, policy ${def.policy}.`;
    }
    if (action === 'delete') {
      if (!name)
        throw new PennyError('invalid_request', 'penny budgets delete: give the budget name', {
          param: 'name',
        });
      const gone = await keys.deleteBudget(name);
      if (!gone)
        throw new PennyError(
          'invalid_request',
          `no budget "${name}" set from the command line (config budgets are edited in the config)`,
        );
      return `Budget "${name}" deleted.`;
    }
    let budgets = await gov.allBudgets();
    if (action === 'show') {
      if (!name)
        throw new PennyError('invalid_request', 'penny budgets show: give the budget name', {
          param: 'name',
        });
      budgets = budgets.filter((b) => b.name === name);
      if (budgets.length === 0)
        throw new PennyError('invalid_request', `no budget named "${name}" (see penny budgets list)`);
    }
    const rows = await budgetRows(budgets, gov.counters, gov.now(), gov.config.timeZone);
    if (o.json) return JSON.stringify(rows, null, 2);
    if (rows.length === 0)
      return 'no budgets: add them under governance.budgets in the config, or penny budgets set <name> --limit <usd>';
    const t = new Table({
      head: ['budget', 'scope', 'window', 'policy', 'limit', 'spent', 'reserved', 'used', 'resets'],
    });
    for (const r of rows)
      t.push([
        r.name,
        r.scope,
        r.window,
        r.policy,
        `$${r.limit}`,
        `$${r.spent}`,
        `$${r.reserved}`,
        `${(r.used * 100).toFixed(1)}%`,
        r.resetAt ?? 'never',
      ]);
    return t.toString();
  });
}
