// The dashboard's JSON API client. The session cookie (or a loopback gateway) authorises the calls.

/** Query string for a range: { since: '7d' } or { from: ms, to: ms } or {} for all time. */
export function rangeQuery(range) {
  const q = new URLSearchParams();
  if (range.since) q.set('since', range.since);
  if (range.from !== undefined) q.set('from', String(range.from));
  if (range.to !== undefined) q.set('to', String(range.to));
  return q;
}

async function getJson(path, query) {
  const res = await fetch(`${path}?${query.toString()}`, { credentials: 'same-origin' });
  const body = await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

export function fetchOverview(range) {
  return getJson('/dashboard/api/overview', rangeQuery(range));
}

export function fetchRequests(feature, range, sort = 'cost') {
  const q = rangeQuery(range);
  q.set('feature', feature);
  q.set('sort', sort);
  q.set('limit', '200');
  return getJson('/dashboard/api/requests', q);
}

export function fetchCircuits() {
  return getJson('/dashboard/api/circuits', new URLSearchParams());
}

export function fetchQuality(range) {
  return getJson('/dashboard/api/quality', rangeQuery(range));
}
