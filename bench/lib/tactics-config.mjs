// The tactics of the issue-14 tactics row, as configuration laid over a benchmark gateway's: the exact response
// cache for every request of the `default` feature (sampled answers allowed, so every request is a lookup and a
// store), compression (its lossless transforms) and provider prompt-cache placement. One definition for the
// gateway bench's server (bench/servers/penny.mjs) and the in-process benches (tactics-inproc-ab, tactics-alloc),
// so they all measure the same row. "tactics-cache" / "tactics-compress" keep only the one of the two.
export function tacticsConfig(variant = 'tactics') {
  const feature = {};
  if (variant !== 'tactics-compress') feature.cache = { enabled: true, allowSampling: true };
  if (variant !== 'tactics-cache') feature.compress = {};
  return { features: { default: feature }, cache: { prompt: { enabled: true } } };
}
