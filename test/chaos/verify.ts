/**
 * The chaos run's checks, from three independent records: what each client saw, what the fake upstream
 * sent (with the usage it reported), and what Penny's ledger says. Costs are recomputed here from the fake's
 * usage and the run's own price table with plain integer arithmetic — not with Penny's cost engine.
 */
import type { LedgerEntry } from '../../src/core/ledger-entry.js';
import type { RecordedRequest } from '../fake-upstream/index.js';
import type { ClientRecord } from './client.js';
import { PRICES, type PlannedRequest } from './plan.js';

/** USD per 1M tokens (a decimal with up to 6 places) → picodollars per token. */
export function picoPerToken(usdPerMillion: number): bigint {
  const [whole, frac = ''] = usdPerMillion.toFixed(6).split('.');
  return BigInt(whole as string) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

export function independentCost(u: NonNullable<RecordedRequest['usage']>): bigint {
  const p = PRICES[u.model];
  if (!p) throw new Error(`chaos: no price for ${u.model}`);
  const input = picoPerToken(p.input);
  const output = picoPerToken(p.output);
  return (
    BigInt(u.input + u.cached + u.cacheWrite5m + u.cacheWrite1h) * input +
    BigInt(u.output + u.reasoning) * output
  );
}

export interface Violation {
  n: number | null;
  kind: string;
  detail: string;
}

export interface ChaosReport {
  requests: number;
  seen: Record<string, number>;
  entries: number;
  lost: number;
  duplicates: number;
  unexpectedEntries: number;
  wrongStatus: number;
  /** Entries of requests the client aborted but Penny had already answered in full (not a fault). */
  abortedAfterAnswer: number;
  /** Requests the client aborted before Penny had read them: no entry, no upstream call. */
  abortedBeforeReceived: number;
  costGroupsChecked: number;
  costGroupsEstimated: number;
  /** Groups Penny cut (timeout, client gone) while the upstream finished an answer it never read. */
  costGroupsCut: number;
  /** Groups not cost-checked because a member was left out of the run's verdict (see `opts.uncheckedGroups`). */
  costGroupsUnchecked: number;
  costMismatches: number;
  ledgerTotal: bigint;
  independentTotal: bigint;
  headerMismatches: number;
  maxLatencyMs: number;
  violations: Violation[];
}

const GROUP = /\[g(\d+)\]/;
const CUT_CODES = new Set(['upstream_timeout', 'client_aborted']);

/** An attempt (retry, fallback, cascade step) that Penny abandoned after sending it. */
function cutAttempt(e: LedgerEntry): boolean {
  const attempts = [
    ...(((e.meta?.attempts as unknown[]) ?? []) as Array<{ code?: unknown }>),
    ...(((e.meta?.cascade as { attempts?: unknown[] } | undefined)?.attempts ?? []) as Array<{
      code?: unknown;
    }>),
  ];
  return attempts.some((a) => typeof a.code === 'string' && CUT_CODES.has(a.code));
}

function groupOfRec(r: RecordedRequest): number | null {
  if (r.body === undefined) return null;
  const m = GROUP.exec(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  return m ? Number(m[1]) : null;
}

/** `x-penny-cost-usd` as picodollars. */
function decimalToPico(s: string): bigint {
  const [whole, frac = ''] = s.split('.');
  return BigInt(whole as string) * 1_000_000_000_000n + BigInt(frac.padEnd(12, '0').slice(0, 12));
}

export function verify(
  plan: PlannedRequest[],
  clients: ClientRecord[],
  upstream: RecordedRequest[],
  entries: LedgerEntry[],
  opts: {
    userPrefix: string;
    /**
     * Message groups whose cost cannot be checked: a member was left out of `plan` (after a SIGKILL, a request
     * the killed process answered but never recorded, or one cut with the process), yet its upstream calls are
     * still among `upstream`, so the group's upstream usage would count a call no considered entry stands for.
     */
    uncheckedGroups?: ReadonlySet<number>;
  },
): ChaosReport {
  const violations: Violation[] = [];
  const v = (n: number | null, kind: string, detail: string) => violations.push({ n, kind, detail });
  const seen: Record<string, number> = {};
  for (const c of clients) seen[c.seen] = (seen[c.seen] ?? 0) + 1;

  const byUser = new Map<string, LedgerEntry[]>();
  let unexpectedEntries = 0;
  for (const e of entries) {
    if (e.user === null || !e.user.startsWith(opts.userPrefix)) {
      unexpectedEntries++;
      v(null, 'unexpected_entry', `${e.id} user=${e.user}`);
      continue;
    }
    const list = byUser.get(e.user) ?? [];
    list.push(e);
    byUser.set(e.user, list);
  }

  const callsByGroup = new Map<number, number>();
  for (const r of upstream) {
    const g = groupOfRec(r);
    if (g !== null) callsByGroup.set(g, (callsByGroup.get(g) ?? 0) + 1);
  }
  let abortedBeforeReceived = 0;
  let lost = 0;
  let duplicates = 0;
  let wrongStatus = 0;
  let abortedAfterAnswer = 0;
  let headerMismatches = 0;
  let maxLatencyMs = 0;
  const entryOf = new Map<number, LedgerEntry>();
  for (const c of clients) {
    maxLatencyMs = Math.max(maxLatencyMs, c.latencyMs);
    const list = byUser.get(c.user) ?? [];
    if (list.length === 0) {
      // A client that hung up before Penny had read its request made no request: nothing reached the
      // upstream for it, so nothing was billed — it is counted, not a fault.
      // (Its group's upstream calls are either none, or explained by another member of the group that has one.)
      const p = plan.find((x) => x.n === c.n);
      const explained =
        p !== undefined &&
        ((callsByGroup.get(p.group) ?? 0) === 0 ||
          plan.some((x) => x.group === p.group && x.n !== p.n && byUser.has(`${opts.userPrefix}${x.n}`)));
      if (c.seen === 'aborted' && explained) {
        abortedBeforeReceived++;
        continue;
      }
      lost++;
      v(c.n, 'lost', `client saw ${c.seen} ${c.status ?? ''}`);
      continue;
    }
    if (list.length > 1) {
      duplicates += list.length - 1;
      v(c.n, 'duplicate', list.map((e) => e.id).join(','));
    }
    const e = list[0] as LedgerEntry;
    entryOf.set(c.n, e);
    if (c.requestId !== null && c.requestId !== e.id) v(c.n, 'id_mismatch', `${c.requestId} vs ${e.id}`);
    const bad = (why: string) => {
      wrongStatus++;
      v(
        c.n,
        'wrong_status',
        `${why}; client saw ${c.seen} ${c.status ?? ''}, ledger ${e.status} ${e.httpStatus} ${e.errorClass ?? ''}`,
      );
    };
    switch (c.seen) {
      case 'ok':
        if (e.status !== 'ok' || e.httpStatus !== 200) bad('answered in full');
        if (c.costHeader !== null && c.costHeader !== 'unknown' && e.cost !== null) {
          if (decimalToPico(c.costHeader) !== e.cost) {
            headerMismatches++;
            v(c.n, 'cost_header', `${c.costHeader} vs ledger ${e.cost}`);
          }
        }
        break;
      case 'http_error':
        if (e.status !== 'error' || e.httpStatus !== c.status) bad('an error status');
        break;
      case 'stream_error':
        if (e.status !== 'error') bad('a stream ending in an error event');
        break;
      case 'aborted':
        if (e.status !== 'aborted') abortedAfterAnswer++;
        break;
      default:
        v(c.n, c.seen, c.detail ?? '');
    }
  }

  // Cost: per message group (an original and its cache repeats), the ledger's costs against the usage the
  // fake upstream reported for the calls it completed. Groups with an estimated entry (a broken or cut
  // stream, where Penny estimates by design) are counted apart.
  const upstreamByGroup = new Map<number, bigint>();
  for (const r of upstream) {
    if (!r.completed || r.aborted || r.usage === undefined) continue;
    const g = groupOfRec(r);
    if (g === null) continue;
    upstreamByGroup.set(g, (upstreamByGroup.get(g) ?? 0n) + independentCost(r.usage));
  }
  const ledgerByGroup = new Map<
    number,
    { cost: bigint; estimated: boolean; unknown: boolean; cut: boolean }
  >();
  for (const p of plan) {
    const e = entryOf.get(p.n);
    if (!e) continue;
    const g = ledgerByGroup.get(p.group) ?? { cost: 0n, estimated: false, unknown: false, cut: false };
    if (e.cost === null) g.unknown = true;
    else g.cost += e.cost;
    if (e.usageEstimated || e.flags.includes('usage_estimated')) g.estimated = true;
    // Penny gave up on the upstream (client gone, timeout): the upstream may have finished an answer in the
    // same instant, which a real provider bills. Such races are counted apart, and must be estimated.
    if (e.status === 'aborted' || e.errorClass === 'upstream_timeout' || cutAttempt(e)) g.cut = true;
    ledgerByGroup.set(p.group, g);
  }
  let costGroupsChecked = 0;
  let costGroupsEstimated = 0;
  let costGroupsCut = 0;
  let costGroupsUnchecked = 0;
  let costMismatches = 0;
  let ledgerTotal = 0n;
  let independentTotal = 0n;
  for (const [group, g] of ledgerByGroup) {
    if (opts.uncheckedGroups?.has(group)) {
      costGroupsUnchecked++;
      continue;
    }
    if (g.unknown) {
      costMismatches++;
      v(group, 'cost_unknown', 'an entry of a priced model has cost null');
      continue;
    }
    if (g.estimated) {
      costGroupsEstimated++;
      continue;
    }
    // A call Penny cut (timeout, client gone) is billed as an estimate (flagged, counted above); one left at
    // an exact $0 while the upstream finished it would be a silent under-count, and fails below.
    if (g.cut) costGroupsCut++;
    costGroupsChecked++;
    const expected = upstreamByGroup.get(group) ?? 0n;
    ledgerTotal += g.cost;
    independentTotal += expected;
    if (g.cost !== expected) {
      costMismatches++;
      const detail = plan
        .filter((p) => p.group === group)
        .map((p) => {
          const e = entryOf.get(p.n);
          const c = clients.find((x) => x.n === p.n);
          return `#${p.n} ${p.dialect} ${p.model} ${p.stream ? 'stream' : 'json'} ${p.feature} client=${c?.seen} ledger=${e?.status}/${e?.httpStatus}/${e?.errorClass}/${e?.cost} flags=${e?.flags.join('+')} meta=${JSON.stringify(e?.meta ?? {})}`;
        })
        .join('; ');
      const ups = upstream
        .filter((r) => groupOfRec(r) === group)
        .map(
          (r) =>
            `${r.status}${r.completed ? ' completed' : ''}${r.aborted ? ' aborted' : ''}${r.usage ? ` usage(${r.usage.model} ${r.usage.input}/${r.usage.output})` : ''}`,
        )
        .join(', ');
      v(
        group,
        'cost_mismatch',
        `ledger ${g.cost} vs upstream usage ${expected}: ${detail} | upstream: ${ups}`,
      );
    }
  }

  return {
    requests: clients.length,
    seen,
    entries: entries.length,
    lost,
    duplicates,
    unexpectedEntries,
    wrongStatus,
    abortedAfterAnswer,
    abortedBeforeReceived,
    costGroupsChecked,
    costGroupsEstimated,
    costGroupsCut,
    costGroupsUnchecked,
    costMismatches,
    ledgerTotal,
    independentTotal,
    headerMismatches,
    maxLatencyMs,
    violations,
  };
}
