/**
 * A hand-written SVG line/scatter chart for cost–quality plots (no dependencies). Series are drawn in
 * order with a fixed palette; the x axis may be logarithmic, which OVERRULING needs because its models'
 * prices span two orders of magnitude. Text is XML-escaped.
 */

export interface PlotSeries {
  label: string;
  points: [number, number][];
  /** 'line' joins points sorted by x; 'points' draws markers only. */
  style: 'line' | 'points';
  /** Optional per-point labels (for 'points'). */
  pointLabels?: string[];
  dashed?: boolean;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  logX?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#637939',
];

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return Number(v.toPrecision(3)).toString();
  return Number(v.toPrecision(2)).toString();
}

export function renderSvg(spec: PlotSpec): string {
  const W = spec.width ?? 920;
  const H = spec.height ?? 520;
  const m = { l: 70, r: 340, t: 40, b: 55 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = spec.series
    .flatMap((s) => s.points)
    .filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const tx = (x: number) => (spec.logX ? Math.log10(Math.max(x, 1e-12)) : x);
  let x0 = Math.min(...all.map((p) => tx(p[0])));
  let x1 = Math.max(...all.map((p) => tx(p[0])));
  let y0 = Math.min(...all.map((p) => p[1]));
  let y1 = Math.max(...all.map((p) => p[1]));
  if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
  const padX = (x1 - x0 || 1) * 0.04;
  const padY = (y1 - y0 || 1) * 0.06;
  x0 -= padX;
  x1 += padX;
  y0 -= padY;
  y1 += padY;
  const sx = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((y - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="22" text-anchor="middle" font-size="15">${esc(spec.title)}</text>`);
  // Axes and grid.
  const xt = spec.logX
    ? niceTicks(Math.ceil(x0), Math.floor(x1), Math.max(1, Math.floor(x1) - Math.ceil(x0))).map(
        (e) => 10 ** e,
      )
    : niceTicks(x0, x1);
  for (const v of xt) {
    const x = sx(v);
    if (x < m.l - 1 || x > m.l + pw + 1) continue;
    out.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.t + ph + 18}" text-anchor="middle">${esc(fmt(v))}</text>`);
  }
  for (const v of niceTicks(y0, y1)) {
    const y = sy(v);
    if (y < m.t - 1 || y > m.t + ph + 1) continue;
    out.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${m.l - 8}" y="${y + 4}" text-anchor="end">${esc(fmt(v))}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(
    `<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(spec.xLabel)}${spec.logX ? ' (log scale)' : ''}</text>`,
  );
  out.push(
    `<text transform="translate(18 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  // Series.
  spec.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (s.style === 'line') {
      const sorted = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const d = sorted
        .map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`)
        .join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
      );
      for (const p of sorted)
        out.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.2" fill="${color}"/>`);
    } else {
      pts.forEach((p, k) => {
        out.push(
          `<rect x="${(sx(p[0]) - 4).toFixed(1)}" y="${(sy(p[1]) - 4).toFixed(1)}" width="8" height="8" fill="${color}"/>`,
        );
        const lab = s.pointLabels?.[k];
        if (lab) {
          out.push(
            `<text x="${(sx(p[0]) + 6).toFixed(1)}" y="${(sy(p[1]) - 6).toFixed(1)}" font-size="10" fill="#333">${esc(lab)}</text>`,
          );
        }
      });
    }
    const ly = m.t + 10 + i * 18;
    const lx = m.l + pw + 14;
    out.push(
      s.style === 'line'
        ? `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`
        : `<rect x="${lx + 7}" y="${ly - 4}" width="8" height="8" fill="${color}"/>`,
    );
    out.push(`<text x="${lx + 28}" y="${ly + 4}" font-size="11">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
