/**
 * `penny experiments list | show <name> | stop <name> [--arm] | resume <name>`: thin shells over
 * src/quality. They open the same stores as `penny serve` (quality.db beside the ledger, or the ledger's
 * PostgreSQL schema), so a running gateway serves a stopped experiment's arm within a few seconds.
 */
import Table from 'cli-table3';
import { loadConfig } from '../config/load.js';
import type { ExperimentConfig } from '../config/schema.js';
import { PennyError } from '../core/errors.js';
import { formatUsd } from '../core/money.js';
import { openConfiguredLedger } from '../ledger/open-ledger.js';
import { type ExperimentReport, experimentReport } from '../quality/experiment-report.js';
import { openQualityStores } from '../quality/open-quality-stores.js';

export interface ExperimentFlags {
  config?: string;
  ledger?: string;
  json?: boolean;
  arm?: string;
}

export type ExperimentsAction = 'list' | 'show' | 'stop' | 'resume';

function configured(
  loaded: ReturnType<typeof loadConfig>,
): Array<{ feature: string; exp: ExperimentConfig }> {
  return Object.entries(loaded.config.features).flatMap(([feature, p]) =>
    p.experiment ? [{ feature, exp: p.experiment }] : [],
  );
}

export async function experimentsCommand(
  action: ExperimentsAction,
  name: string | undefined,
  o: ExperimentFlags,
): Promise<string> {
  const loaded = loadConfig({
    ...(o.config ? { file: o.config } : {}),
    ...(o.ledger ? { overrides: { ledgerPath: o.ledger } } : {}),
  });
  const all = configured(loaded);
  const find = () => {
    const hit = all.find((x) => x.exp.name === name);
    if (!hit)
      throw new PennyError(
        'not_found',
        `no experiment "${name}" in the config (features.<name>.experiment.name); configured: ${all.map((x) => x.exp.name).join(', ') || 'none'}`,
      );
    return hit;
  };
  const stores = await openQualityStores(loaded);
  try {
    if (action === 'stop') {
      const { exp } = find();
      const arm = o.arm ?? Object.keys(exp.arms)[0]!;
      if (!(arm in exp.arms))
        throw new PennyError(
          'invalid_request',
          `--arm: experiment "${exp.name}" has no arm "${arm}" (arms: ${Object.keys(exp.arms).join(', ')})`,
        );
      await stores.experiments.stop({ name: exp.name, arm, stoppedAt: Date.now() });
      return o.json
        ? JSON.stringify({ name: exp.name, status: 'stopped', arm })
        : `experiment ${exp.name} stopped: every request of it is served by arm "${arm}" (running gateways pick this up within seconds)`;
    }
    if (action === 'resume') {
      const { exp } = find();
      const was = await stores.experiments.resume(exp.name);
      return o.json
        ? JSON.stringify({ name: exp.name, status: 'running', wasStopped: was })
        : was
          ? `experiment ${exp.name} resumed: traffic is split again`
          : `experiment ${exp.name} was not stopped`;
    }
    const stops = new Map((await stores.experiments.list()).map((s) => [s.name, s]));
    const ledger = await openConfiguredLedger(loaded, { reader: true });
    try {
      const targets = action === 'show' ? [find()] : all;
      const reports: ExperimentReport[] = [];
      for (const { feature, exp } of targets)
        reports.push(await experimentReport(ledger, stores, feature, exp, stops.get(exp.name)));
      if (o.json) return JSON.stringify(action === 'show' ? reports[0] : reports, bigintJson, 2);
      if (action === 'list') return renderList(reports);
      return renderShow(reports[0]!);
    } finally {
      await ledger.close();
    }
  } finally {
    await stores.close();
  }
}

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? formatUsd(v, 12).replace('$', '') : v;
}

function renderList(reports: ExperimentReport[]): string {
  if (reports.length === 0) return 'no experiments configured (features.<name>.experiment)';
  const t = new Table({ head: ['experiment', 'feature', 'status', 'arms', 'requests', 'stick by'] });
  for (const r of reports)
    t.push([
      r.name,
      r.feature,
      r.status === 'stopped' ? `stopped → ${r.stoppedArm}` : 'running',
      r.arms.map((a) => `${a.arm} ${round(a.share)}%`).join(', '),
      r.arms.reduce((s, a) => s + a.requests, 0),
      r.stickBy,
    ]);
  return t.toString();
}

function renderShow(r: ExperimentReport): string {
  const t = new Table({
    head: [
      'arm',
      'share',
      'requests',
      'errors',
      'cost/request',
      'cost',
      'saved',
      'rated',
      'good (95% CI)',
      'mean score',
      'verdicts',
      'agreement (95% CI)',
    ],
  });
  for (const a of r.arms)
    t.push([
      a.arm,
      `${round(a.share)}%`,
      a.requests,
      a.errors,
      a.costPerRequestUsd === null ? 'unknown' : `$${a.costPerRequestUsd.toFixed(6)}`,
      formatUsd(a.cost),
      formatUsd(a.savings),
      a.rated,
      a.goodRate ? `${pct(a.goodRate.rate)} (${pct(a.goodRate.lower)}–${pct(a.goodRate.upper)})` : '—',
      a.meanScore === null ? '—' : a.meanScore.toFixed(2),
      a.asSent ? 'as sent' : a.evaluated + (a.noVerdict ? ` (+${a.noVerdict} none)` : ''),
      a.agreement ? `${pct(a.agreement.rate)} (${pct(a.agreement.lower)}–${pct(a.agreement.upper)})` : '—',
    ]);
  const status = r.status === 'stopped' ? `stopped, serving "${r.stoppedArm}"` : 'running';
  return [
    `experiment ${r.name} (feature ${r.feature}, ${status}, sticky by ${r.stickBy})`,
    t.toString(),
    ...r.verdicts,
  ].join('\n');
}

const round = (n: number) => Math.round(n * 100) / 100;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
