/**
 * Inline SVG charts for the HTML report, drawn here so the report needs no script and no network:
 * horizontal bars and a Pareto chart (bars by cost with the cumulative share as a line). Values are
 * floats for drawing only; every number printed comes from exact Money formatted by the caller.
 * No xmlns attribute: inline SVG in HTML does not need one, and the report must hold no URL at all.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Bar {
  label: string;
  value: number;
  /** The text printed at the end of the bar. */
  text: string;
}

const FONT = 'font-family="system-ui,sans-serif" font-size="12"';

function clip(label: string, max = 32): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

export function barChart(title: string, bars: Bar[], color = '#3b6fd4'): string {
  const rowH = 22;
  const labelW = 220;
  const barW = 380;
  const textW = 120;
  const width = labelW + barW + textW;
  const height = 28 + Math.max(1, bars.length) * rowH;
  const max = Math.max(0, ...bars.map((b) => b.value));
  const parts: string[] = [
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<text x="0" y="16" ${FONT} font-weight="600">${escapeHtml(title)}</text>`,
  ];
  if (bars.length === 0) parts.push(`<text x="0" y="40" ${FONT}>no data</text>`);
  bars.forEach((b, i) => {
    const y = 28 + i * rowH;
    const w = max > 0 ? Math.max(1, (b.value / max) * barW) : 0;
    parts.push(
      `<text x="${labelW - 6}" y="${y + 15}" ${FONT} text-anchor="end">${escapeHtml(clip(b.label))}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"><title>${escapeHtml(`${b.label}: ${b.text}`)}</title></rect>`,
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" ${FONT}>${escapeHtml(b.text)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface ParetoPoint {
  label: string;
  value: number;
  /** Cumulative share 0..1. */
  cumulative: number;
}

export function paretoChart(title: string, points: ParetoPoint[]): string {
  const width = 720;
  const height = 280;
  const left = 48;
  const right = 48;
  const top = 30;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = Math.max(1, points.length);
  const max = Math.max(0, ...points.map((p) => p.value));
  const step = plotW / n;
  const parts: string[] = [
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<text x="0" y="16" ${FONT} font-weight="600">${escapeHtml(title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>`,
  ];
  const y80 = top + plotH * 0.2;
  parts.push(
    `<line x1="${left}" y1="${y80}" x2="${left + plotW}" y2="${y80}" stroke="#c33" stroke-dasharray="4 3"/>`,
    `<text x="${left + plotW + 4}" y="${y80 + 4}" ${FONT} fill="#c33">80%</text>`,
  );
  const line: string[] = [];
  points.forEach((p, i) => {
    const h = max > 0 ? (p.value / max) * plotH : 0;
    const x = left + i * step;
    parts.push(
      `<rect x="${(x + step * 0.1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(step * 0.8).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b6fd4"><title>${escapeHtml(`${p.label}: ${(p.cumulative * 100).toFixed(1)}% cumulative`)}</title></rect>`,
    );
    line.push(`${(x + step / 2).toFixed(1)},${(top + plotH * (1 - p.cumulative)).toFixed(1)}`);
    if (points.length <= 12) {
      parts.push(
        `<text x="${(x + step / 2).toFixed(1)}" y="${top + plotH + 14}" ${FONT} text-anchor="middle">${escapeHtml(clip(p.label, 12))}</text>`,
      );
    }
  });
  if (line.length > 0)
    parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="#e08a00" stroke-width="2"/>`);
  parts.push(
    `<text x="${left}" y="${height - 6}" ${FONT}>features by cost (bars) · cumulative share (line)</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}
