// Display formatting. The API sends money as exact decimal strings; they become numbers only here, to show.

/** "$1,234.56" for amounts ≥ $1; small amounts keep enough digits to be told apart ("$0.0045"). */
export function usd(decimal) {
  if (decimal === null || decimal === undefined) return 'unknown';
  const n = Number(decimal);
  const abs = Math.abs(n);
  if (abs === 0) return '$0.00';
  if (abs >= 1) return `${n < 0 ? '-' : ''}$${abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  if (abs >= 0.01) return `${n < 0 ? '-' : ''}$${abs.toFixed(4)}`;
  return `${n < 0 ? '-' : ''}$${abs.toPrecision(2)}`;
}

/** Money decimal string → number, for charts only. */
export function money(decimal) {
  return decimal === null || decimal === undefined ? 0 : Number(decimal);
}

export function count(n) {
  return Number(n).toLocaleString('en-US');
}

/** 12.3k, 4.5M — for token counts. */
export function compact(n) {
  return Number(n).toLocaleString('en-US', { notation: 'compact', maximumFractionDigits: 1 });
}

export function pct(ratio) {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)}%`;
}

export function time(ts) {
  return new Date(ts).toISOString().replace('T', ' ').slice(0, 16);
}

export function ms(n) {
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}
