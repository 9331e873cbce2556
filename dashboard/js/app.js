// The dashboard page: picks a time range, loads the overview, draws the charts and tables, and opens a
// feature's requests on click. State the browser tests read: body[data-state], body[data-loads],
// window.pennyCharts (Chart.js instances), window.pennyOverview and window.pennyQuality (the last documents).
import { fetchCircuits, fetchOverview, fetchQuality, fetchRequests } from './api.js';
import { draw } from './charts.js';
import {
  cacheConfig,
  costBarsConfig,
  distributionConfig,
  savingsConfig,
  spendConfig,
  tokensConfig,
} from './chart-configs.js';
import { count, pct, usd } from './format.js';
import { renderQuality } from './quality.js';
import { budgetsPanel, circuitsPanel, drillTable, featuresTable, topTable } from './tables.js';

let range = { since: '30d' };
let loads = 0;
let drilled = null;

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function status(text) {
  setText('status', text);
}

function describeRange() {
  if (range.since) return `last ${range.since}`;
  if (range.from !== undefined) return `${new Date(range.from).toISOString().slice(0, 10)} – ${new Date(range.to - 1).toISOString().slice(0, 10)}`;
  return 'all time';
}

function renderKpis(ov) {
  const t = ov.totals;
  setText('kpi-cost', usd(t.cost));
  setText('kpi-unpriced', t.unpriced ? `+ ${count(t.unpriced)} unpriced request${t.unpriced === 1 ? '' : 's'}` : '');
  setText('kpi-baseline', usd(t.baselineCost));
  setText('kpi-savings', usd(t.savings));
  setText('kpi-requests', count(t.requests));
  setText('kpi-errors', t.errors ? `${count(t.errors)} failed` : '');
  setText('kpi-cache', pct(ov.cache.responseHitRate));
  setText('kpi-cache-note', `${count(ov.cache.responseHits)} answered from cache`);
  setText('kpi-prompt-cache', pct(ov.cache.promptCacheHitRate));
  setText('kpi-prompt-cache-note', `${pct(ov.cache.cacheReadShare)} of input tokens read from cache`);
  if (ov.cascade) {
    setText('kpi-cascade', pct(ov.cascade.escalationRate));
    setText('kpi-cascade-note', `${count(ov.cascade.escalated)} of ${count(ov.cascade.cascaded)} cascaded`);
  } else {
    setText('kpi-cascade', '—');
    setText('kpi-cascade-note', 'no cascades in this range');
  }
}

function renderSimulated(ov) {
  const el = document.getElementById('simulated-banner');
  const sim = ov.simulated;
  el.hidden = !sim || sim.requests === 0;
  if (el.hidden) return;
  const all = sim.requests === ov.totals.requests;
  el.textContent = `Simulated: ${all ? 'all' : `${count(sim.requests)} of ${count(ov.totals.requests)}`} requests in this range were answered by Penny's simulated upstream (no provider configured). Their ${usd(sim.cost)} is what they would have cost, not money spent.`;
}

function render(ov) {
  renderSimulated(ov);
  renderKpis(ov);
  draw('chart-spend', spendConfig(ov));
  draw('chart-savings', savingsConfig(ov));
  document.getElementById('savings-empty').hidden = ov.savingsByTactic.length > 0;
  draw('chart-features', costBarsConfig(ov.byFeature, 'cost', openFeature));
  draw('chart-models', costBarsConfig(ov.byModel, 'cost'));
  draw('chart-users', costBarsConfig(ov.byUser, 'cost'));
  setText('users-more', ov.moreUsers ? `and ${count(ov.moreUsers)} more users` : '');
  draw('chart-distribution', distributionConfig(ov));
  draw('chart-tokens', tokensConfig(ov));
  draw('chart-cache', cacheConfig(ov));
  setText(
    'cache-note',
    ov.cache.responseHits || ov.cache.promptCacheHits
      ? `over the newest ${count(ov.cache.scanned)} requests`
      : 'No cache hits yet: turn on caching for a feature to see them here.',
  );
  budgetsPanel(ov.budgets);
  featuresTable(ov, openFeature);
  topTable(ov.topRequests);
}

async function load() {
  status(`loading ${describeRange()}…`);
  document.body.dataset.state = 'loading';
  try {
    const [ov, circuits, quality] = await Promise.all([fetchOverview(range), fetchCircuits(), fetchQuality(range)]);
    window.pennyOverview = ov;
    render(ov);
    circuitsPanel(circuits);
    renderQuality(quality);
    if (drilled !== null) await openFeature(drilled);
    loads += 1;
    document.body.dataset.loads = String(loads);
    document.body.dataset.state = 'ready';
    status(`${describeRange()} · ${count(ov.totals.requests)} requests${ov.scan.truncated ? ` (per-request views cover the newest ${count(ov.scan.limit)})` : ''}`);
  } catch (e) {
    document.body.dataset.state = 'error';
    status(`could not load: ${e.message}`);
  }
}

async function openFeature(feature) {
  drilled = feature;
  const section = document.getElementById('drill');
  section.hidden = false;
  section.dataset.state = 'loading';
  setText('drill-feature', feature);
  let result;
  try {
    result = await fetchRequests(feature, range);
  } catch (e) {
    section.dataset.state = 'error';
    setText('drill-summary', `could not load the requests: ${e.message}`);
    return;
  }
  const s = result.summary;
  setText(
    'drill-summary',
    s
      ? `${count(s.requests)} requests · ${usd(s.cost)} spent · ${usd(s.savings)} saved${s.unpriced ? ` · ${count(s.unpriced)} unpriced` : ''} — most expensive first`
      : `${count(result.total)} requests — most expensive first`,
  );
  drillTable(result);
  section.dataset.state = 'ready';
  section.dataset.feature = feature;
  section.scrollIntoView({ block: 'nearest' });
}

function selectButton(btn) {
  for (const b of document.querySelectorAll('.range button[data-since]')) b.classList.toggle('active', b === btn);
}

function wire() {
  for (const btn of document.querySelectorAll('.range button[data-since]')) {
    btn.addEventListener('click', () => {
      range = btn.dataset.since ? { since: btn.dataset.since } : {};
      selectButton(btn);
      load();
    });
  }
  document.getElementById('custom-range').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = new FormData(ev.target);
    const from = Date.parse(`${form.get('from')}T00:00:00Z`);
    const to = Date.parse(`${form.get('to')}T00:00:00Z`) + 86_400_000;
    if (!(from < to)) {
      status('the start must be before the end');
      return;
    }
    range = { from, to };
    selectButton(null);
    load();
  });
  document.getElementById('drill-close').addEventListener('click', () => {
    drilled = null;
    document.getElementById('drill').hidden = true;
  });
}

wire();
load();
