// Chart.js configurations built from the overview document (see /dashboard/api/overview). Pure: data in,
// config out; drawing happens in charts.js.
import { color, usdAxis } from './charts.js';
import { money } from './format.js';

const TOKEN_KINDS = [
  ['inputUncachedTokens', 'input'],
  ['cacheReadTokens', 'cache read'],
  ['cacheWriteTokens', 'cache write'],
  ['outputTokens', 'output'],
  ['reasoningTokens', 'reasoning'],
];

export function spendConfig(ov) {
  return {
    type: 'line',
    data: {
      labels: ov.days.map((d) => d.day),
      datasets: [
        { label: 'spend', data: ov.days.map((d) => money(d.cost)), borderColor: color(0), backgroundColor: color(0), tension: 0.2 },
        { label: 'without Penny', data: ov.days.map((d) => money(d.baselineCost)), borderColor: color(7), backgroundColor: color(7), borderDash: [5, 4], tension: 0.2 },
      ],
    },
    options: { scales: { y: { beginAtZero: true, ...usdAxis } } },
  };
}

export function savingsConfig(ov) {
  const tactics = ov.savingsByTactic.map((t) => t.tactic);
  return {
    type: 'bar',
    data: {
      labels: ov.savingsByDay.map((d) => d.day),
      datasets: tactics.map((t, i) => ({
        label: t,
        data: ov.savingsByDay.map((d) => money(d.tactics[t])),
        backgroundColor: color(i + 1),
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ...usdAxis } } },
  };
}

/** Horizontal cost bars for a list of group rows (feature, user, model). */
export function costBarsConfig(rows, label, onClick) {
  return {
    type: 'bar',
    data: {
      labels: rows.map((r) => (r.unpriced ? `${r.key} (${r.unpriced} unpriced)` : r.key)),
      datasets: [{ label, data: rows.map((r) => money(r.cost)), backgroundColor: rows.map((_, i) => color(i)) }],
    },
    options: {
      indexAxis: 'y',
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ...usdAxis } },
      ...(onClick
        ? {
            onClick: (_event, elements) => {
              if (elements.length) onClick(rows[elements[0].index].key);
            },
          }
        : {}),
    },
  };
}

export function tokensConfig(ov) {
  return {
    type: 'bar',
    data: {
      labels: ov.days.map((d) => d.day),
      datasets: TOKEN_KINDS.map(([field, label], i) => ({
        label,
        data: ov.days.map((d) => d[field]),
        backgroundColor: color(i),
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  };
}

export function distributionConfig(ov) {
  return {
    type: 'doughnut',
    data: {
      labels: ov.byModel.map((r) => r.key),
      datasets: [{ data: ov.byModel.map((r) => r.requests), backgroundColor: ov.byModel.map((_, i) => color(i)) }],
    },
    options: { plugins: { legend: { position: 'right' } } },
  };
}

export function cacheConfig(ov) {
  const kinds = Object.keys(ov.cache.hitsByKind);
  const labels = [...kinds.map((k) => `response: ${k}`), 'provider prompt cache'];
  const data = [...kinds.map((k) => ov.cache.hitsByKind[k]), ov.cache.promptCacheHits];
  return {
    type: 'bar',
    data: { labels, datasets: [{ label: 'requests', data, backgroundColor: labels.map((_, i) => color(i + 2)) }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}
