// Tables and text panels. Values are set with textContent, never as HTML, so names from requests
// (features, users, models) cannot inject markup.
import { compact, count, ms, pct, time, usd } from './format.js';

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fill(tableId, rows, build) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement('tr');
    build(tr, r);
    body.appendChild(tr);
  }
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = cell(tr, 'No requests in this range.', 'empty');
    td.colSpan = document.querySelectorAll(`#${tableId} thead th`).length;
    body.appendChild(tr);
  }
}

function savedOf(r) {
  let total = 0;
  for (const v of Object.values(r.savings)) total += Number(v);
  return total;
}

export function featuresTable(ov, onPick) {
  const total = Number(ov.totals.cost);
  fill('features-table', ov.byFeature, (tr, r) => {
    tr.className = 'clickable';
    tr.dataset.feature = r.key;
    tr.addEventListener('click', () => onPick(r.key));
    cell(tr, r.key);
    cell(tr, count(r.requests), 'num');
    cell(tr, count(r.errors), 'num');
    cell(tr, compact(r.inputUncachedTokens + r.cacheReadTokens + r.cacheWriteTokens), 'num');
    cell(tr, compact(r.outputTokens + r.reasoningTokens), 'num');
    cell(tr, `${usd(r.cost)}${r.unpriced ? ` + ${r.unpriced} unpriced` : ''}`, r.unpriced ? 'num unpriced' : 'num');
    cell(tr, usd(r.savings), 'num');
    cell(tr, total > 0 ? pct(Number(r.cost) / total) : '—', 'num');
  });
}

export function topTable(rows) {
  fill('top-table', rows, (tr, r) => {
    cell(tr, time(r.ts));
    cell(tr, r.id, 'id');
    cell(tr, r.feature ?? '(none)');
    cell(tr, r.user ?? '(none)');
    cell(tr, r.model);
    cell(tr, r.status, r.status === 'ok' ? '' : 'status-error');
    cell(tr, compact(r.inputTokens), 'num');
    cell(tr, compact(r.outputTokens + r.reasoningTokens), 'num');
    cell(tr, r.cost === null ? 'unpriced' : usd(r.cost), r.cost === null ? 'num unpriced' : 'num');
    cell(tr, ms(r.latencyMs), 'num');
  });
}

export function drillTable(result) {
  fill('drill-table', result.rows, (tr, r) => {
    tr.dataset.requestId = r.id;
    cell(tr, time(r.ts));
    cell(tr, r.id, 'id');
    cell(tr, r.user ?? '(none)');
    cell(tr, r.model);
    cell(tr, r.cache ? `${r.status} (cache ${r.cache})` : r.status, r.status === 'ok' ? '' : 'status-error');
    cell(tr, compact(r.inputTokens), 'num');
    cell(tr, compact(r.outputTokens + r.reasoningTokens), 'num');
    cell(tr, r.cost === null ? 'unpriced' : usd(r.cost), r.cost === null ? 'num unpriced' : 'num');
    cell(tr, usd(String(savedOf(r))), 'num');
    cell(tr, ms(r.latencyMs), 'num');
  });
}

export function budgetsPanel(status) {
  const box = document.getElementById('budgets');
  box.replaceChildren();
  if (!status.configured) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = status.message;
    box.appendChild(p);
    return;
  }
  for (const b of status.budgets) {
    const div = document.createElement('div');
    div.className = 'budget';
    const reset = b.resetAt ? ` · resets ${b.resetAt.slice(0, 16).replace('T', ' ')} UTC` : '';
    div.textContent =
      `${b.name} (${b.window} · ${b.scope} · ${b.policy}): ${usd(b.spent)} of ${usd(b.limit)} — ${pct(b.used)}` +
      ` · reserved ${usd(b.reserved)}${reset}`;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const f = document.createElement('div');
    f.className = b.used >= 1 ? 'fill over' : 'fill';
    f.style.width = `${Math.min(100, b.used * 100)}%`;
    bar.appendChild(f);
    div.appendChild(bar);
    box.appendChild(div);
  }
}

/** Circuit breakers: open and half-open circuits with when they retry; a line when all are closed. */
export function circuitsPanel(status) {
  const box = document.getElementById('circuits');
  box.replaceChildren();
  const note = (text) => {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = text;
    box.appendChild(p);
  };
  if (!status.enabled) return note('The circuit breaker is off (circuitBreaker.enabled: false).');
  const unwell = status.circuits.filter((c) => c.state !== 'closed');
  if (unwell.length === 0)
    return note(`All ${status.circuits.length} upstream circuit(s) closed: every provider and model is being called.`);
  for (const c of unwell) {
    const div = document.createElement('div');
    div.className = 'circuit';
    div.dataset.state = c.state;
    const when = c.retryAt ? ` — next probe ${new Date(c.retryAt).toLocaleTimeString()}` : ' — probing';
    div.textContent = `${c.provider} / ${c.model}: ${c.state === 'open' ? 'OPEN (calls refused, fallbacks serve)' : 'half-open'}${c.state === 'open' ? when : ''} · opened ${c.opened}×`;
    box.appendChild(div);
  }
}
