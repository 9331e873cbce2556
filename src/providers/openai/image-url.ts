/**
 * OpenAI carries images as URLs; inline images are `data:<media type>;base64,<data>` URLs. Canonical images
 * keep base64 data separate so other dialects can send it as a base64 source. Only the exact
 * `data:<type>;base64,` form is split, so any other URL renders back byte for byte.
 */
import type { ImageSource } from '../../core/request.js';

const DATA_URL = /^data:([^;,]+);base64,/;

export function imageSourceFromUrl(url: string): ImageSource {
  const m = DATA_URL.exec(url);
  if (m === null) return { kind: 'url', url };
  return { kind: 'base64', mediaType: m[1] as string, data: url.slice(m[0].length) };
}

export function imageSourceToUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}
