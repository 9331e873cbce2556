// The quality panel: retention per feature and tactic over time (agreement of shadow verdicts with the
// request as sent, with its Wilson 95% band), the table of savings beside retention, feedback and the
// guardrail, its switches, and each experiment's arms with the verdict sentence. Built from
// /dashboard/api/quality; text is set with textContent only (feature, tactic and arm names come from config
// and requests).
import { color, draw, usdAxis } from './charts.js';
import { count, time, usd } from './format.js';

const pct1 = (r) => `${(r * 100).toFixed(1)}%`;
const ci = (w) => `${pct1(w.lower)}–${pct1(w.upper)}`;

/** Translucent version of a palette colour, for the interval band. */
function tint(hex, alpha) {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Every day (or hour) from the first bucket with verdicts to the last, so gaps show as gaps (at most 2,000). */
export function bucketLabels(doc) {
  const seen = [...new Set(doc.series.flatMap((s) => s.points.map((p) => p.bucket)))].sort();
  if (seen.length < 2) return seen;
  const step = doc.bucket === 'hour' ? 3_600_000 : 86_400_000;
  const parse = (b) => Date.parse(doc.bucket === 'hour' ? b.replace('Z', ':00Z') : `${b}T00:00:00Z`);
  const format = (t) => {
    const iso = new Date(t).toISOString();
    return doc.bucket === 'hour' ? `${iso.slice(0, 13)}:00Z` : iso.slice(0, 10);
  };
  const first = parse(seen[0]);
  const last = parse(seen[seen.length - 1]);
  if (!Number.isFinite(first) || !Number.isFinite(last) || (last - first) / step > 2000) return seen;
  const out = [];
  for (let t = first; t <= last; t += step) out.push(format(t));
  return out;
}

/**
 * One line per feature · tactic (the agreement rate per bucket) over a band between the Wilson bounds. Band
 * datasets are named "… lower" / "… upper" and kept out of the legend; the tooltip gives the interval and n.
 */
export function retentionConfig(doc) {
  const labels = bucketLabels(doc);
  const datasets = [];
  doc.series.forEach((s, i) => {
    const c = color(i);
    const at = new Map(s.points.map((p) => [p.bucket, p]));
    const values = (f) => labels.map((b) => (at.has(b) ? f(at.get(b)) : null));
    const name = `${s.feature} · ${s.tactic}`;
    datasets.push(
      { label: `${name} lower`, data: values((p) => p.lower * 100), borderWidth: 0, pointRadius: 0, fill: false, spanGaps: true, band: true },
      { label: `${name} upper`, data: values((p) => p.upper * 100), borderWidth: 0, pointRadius: 0, fill: '-1', backgroundColor: tint(c, 0.15), spanGaps: true, band: true },
      {
        label: name,
        data: values((p) => p.rate * 100),
        points: values((p) => p),
        borderColor: c,
        backgroundColor: c,
        pointRadius: 3,
        spanGaps: true,
        tension: 0.2,
      },
    );
  });
  return {
    type: 'line',
    data: { labels, datasets },
    options: {
      scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
      plugins: {
        legend: { labels: { filter: (item, data) => !data.datasets[item.datasetIndex].band } },
        tooltip: {
          filter: (item) => !item.dataset.band,
          callbacks: {
            label: (item) => {
              const p = item.dataset.points[item.dataIndex];
              return p ? `${item.dataset.label}: ${pct1(p.rate)} (95% CI ${ci(p)}, n = ${count(p.n)})` : item.dataset.label;
            },
          },
        },
      },
    },
  };
}

/** Cost per request of every experiment arm, one bar each ("experiment / arm"). */
export function armsCostConfig(doc) {
  const bars = doc.experiments.flatMap((e) => e.arms.map((a) => ({ label: `${e.name} / ${a.arm}`, value: a.costPerRequestUsd })));
  return {
    type: 'bar',
    data: {
      labels: bars.map((b) => (b.value === null ? `${b.label} (cost unknown)` : b.label)),
      datasets: [{ label: 'cost per request', data: bars.map((b) => b.value ?? 0), backgroundColor: bars.map((_, i) => color(i)) }],
    },
    options: {
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ...usdAxis } },
    },
  };
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

function emptyRow(body, columns, text) {
  const tr = document.createElement('tr');
  const td = cell(tr, text, 'empty');
  td.colSpan = columns;
  body.appendChild(tr);
}

function tacticsTable(doc) {
  const body = document.querySelector('#quality-table tbody');
  body.replaceChildren();
  for (const t of doc.tactics) {
    const tr = document.createElement('tr');
    tr.dataset.feature = t.feature;
    tr.dataset.tactic = t.tactic;
    if (t.mode) tr.dataset.mode = t.mode;
    cell(tr, t.feature);
    cell(tr, t.tactic);
    cell(tr, usd(t.savings), 'num');
    cell(tr, t.agreement ? pct1(t.agreement.rate) : '—', 'num');
    cell(tr, t.agreement ? ci(t.agreement) : '—', 'num');
    cell(tr, count(t.evaluated) + (t.noVerdict ? ` (+${count(t.noVerdict)} none)` : ''), 'num');
    const under = t.agreement && t.floor !== null && t.agreement.lower < t.floor;
    cell(tr, t.floor === null ? '—' : pct1(t.floor), under ? 'num under-floor' : 'num');
    cell(tr, t.mode === 'shadow' ? 'shadow — off' : (t.mode ?? '—'), t.mode === 'shadow' ? 'status-error' : '');
    cell(tr, count(t.rated), 'num');
    cell(tr, t.goodRate ? `${pct1(t.goodRate.rate)} (${ci(t.goodRate)})` : '—', 'num');
    cell(tr, t.meanScore === null ? '—' : t.meanScore.toFixed(2), 'num');
    body.appendChild(tr);
  }
  if (doc.tactics.length === 0)
    emptyRow(body, 11, 'No savings, shadow verdicts or ratings in this range. Give a feature a quality section to evaluate its tactics.');
}

function switchesTable(doc) {
  const body = document.querySelector('#switches-table tbody');
  body.replaceChildren();
  for (const s of doc.switches.slice(0, 50)) {
    const tr = document.createElement('tr');
    tr.dataset.mode = s.mode;
    cell(tr, time(s.ts));
    cell(tr, s.feature);
    cell(tr, s.tactic);
    cell(tr, s.mode === 'shadow' ? 'taken out (shadow)' : 'back in service', s.mode === 'shadow' ? 'status-error' : '');
    cell(tr, `${count(s.agree)} / ${count(s.n)}`, 'num');
    cell(tr, pct1(s.lower), 'num');
    cell(tr, pct1(s.floor), 'num');
    body.appendChild(tr);
  }
  if (doc.switches.length === 0) emptyRow(body, 7, 'No guardrail switch in this range.');
}

function experimentsPanel(doc) {
  const box = document.getElementById('experiments');
  box.replaceChildren();
  if (doc.experiments.length === 0) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = 'No experiment configured (features.<name>.experiment).';
    box.appendChild(p);
    return;
  }
  for (const e of doc.experiments) {
    const div = document.createElement('div');
    div.className = 'experiment';
    div.dataset.experiment = e.name;
    const h = document.createElement('h3');
    h.textContent = `${e.name} · feature ${e.feature} · ${e.status === 'stopped' ? `stopped, serving ${e.stoppedArm}` : 'running'}`;
    div.appendChild(h);
    const table = document.createElement('table');
    table.className = 'data';
    const head = document.createElement('tr');
    for (const [text, num] of [
      ['Arm', false],
      ['Share', true],
      ['Requests', true],
      ['Cost / request', true],
      ['Saved', true],
      ['Rated', true],
      ['Good (95% CI)', true],
      ['Mean score', true],
      ['Verdicts', true],
      ['Agreement (95% CI)', true],
    ]) {
      const th = document.createElement('th');
      th.textContent = text;
      if (num) th.className = 'num';
      head.appendChild(th);
    }
    const thead = document.createElement('thead');
    thead.appendChild(head);
    const tbody = document.createElement('tbody');
    for (const a of e.arms) {
      const tr = document.createElement('tr');
      tr.dataset.arm = a.arm;
      cell(tr, a.arm);
      cell(tr, `${Math.round(a.share * 100) / 100}%`, 'num');
      cell(tr, count(a.requests), 'num');
      cell(tr, a.costPerRequestUsd === null ? 'unknown' : usd(String(a.costPerRequestUsd)), 'num');
      cell(tr, usd(a.savings), 'num');
      cell(tr, count(a.rated), 'num');
      cell(tr, a.goodRate ? `${pct1(a.goodRate.rate)} (${ci(a.goodRate)})` : '—', 'num');
      cell(tr, a.meanScore === null ? '—' : a.meanScore.toFixed(2), 'num');
      cell(tr, a.asSent ? 'as sent' : count(a.evaluated), 'num');
      cell(tr, a.agreement ? `${pct1(a.agreement.rate)} (${ci(a.agreement)})` : '—', 'num');
      tbody.appendChild(tr);
    }
    table.append(thead, tbody);
    div.appendChild(table);
    for (const v of e.verdicts) {
      const p = document.createElement('p');
      p.className = 'verdict';
      p.textContent = v;
      div.appendChild(p);
    }
    box.appendChild(div);
  }
}

export function renderQuality(doc) {
  window.pennyQuality = doc;
  const hasSeries = doc.series.length > 0;
  document.getElementById('retention-empty').hidden = hasSeries;
  draw('chart-retention', retentionConfig(doc));
  const hasArms = doc.experiments.length > 0;
  document.getElementById('arms-card').hidden = !hasArms;
  if (hasArms) draw('chart-arms', armsCostConfig(doc));
  tacticsTable(doc);
  switchesTable(doc);
  experimentsPanel(doc);
  const notes = [`retention per ${doc.bucket}`];
  if (!doc.stores) notes.push('the quality stores could not be opened: savings only');
  if (doc.scan.verdictsTruncated || doc.scan.entriesTruncated)
    notes.push(`newest ${count(doc.scan.verdicts)} verdicts and ${count(doc.scan.entries)} requests of the range`);
  document.getElementById('quality-note').textContent = notes.join(' · ');
}
