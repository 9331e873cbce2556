// Chart.js wrappers: one place that creates (or replaces) a chart on a canvas and records it on
// `window.pennyCharts`, so the page's state can be inspected (the browser tests read it).

export const PALETTE = ['#2f6fed', '#12805c', '#e07b00', '#8e44ad', '#c4320a', '#0e9aa7', '#b8860b', '#5d6d7e', '#d63384', '#6610f2'];

const charts = {};
window.pennyCharts = charts;

/** Draws `config` on the canvas with this id, replacing any chart drawn there before. */
export function draw(id, config) {
  const Chart = window.Chart;
  if (!Chart) throw new Error('Chart.js did not load');
  charts[id]?.destroy();
  const canvas = document.getElementById(id);
  const chart = new Chart(canvas, {
    ...config,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      ...config.options,
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } }, ...config.options?.plugins },
    },
  });
  charts[id] = chart;
  return chart;
}

export function color(i) {
  return PALETTE[i % PALETTE.length];
}

/** Axis ticks in dollars. */
export const usdAxis = { ticks: { callback: (v) => `$${Number(v).toLocaleString('en-US', { maximumSignificantDigits: 3 })}` } };
