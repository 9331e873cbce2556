/**
 * Image token estimates. OpenAI tile models: "low" detail costs a fixed base; otherwise the image is
 * scaled to fit 2048×2048, then its short side to 768, and each 512-px tile costs `tile` tokens on top
 * of the base (gpt-4o: 85 + 170 per tile). Anthropic: about width × height / 750 after scaling the
 * long edge to at most 1568 px and the area to ~1.15 MP. When the size cannot be read (a URL, or an unknown format) a 1024×1024
 * image is assumed — the commonest upload size — which gives 765 tokens on gpt-4o at high/auto detail.
 * Sizes are read from PNG, GIF and JPEG headers of base64 images without decoding the whole payload.
 */
import type { ImagePart } from '../core/request.js';
import { baseModelName } from './encoding-for-model.js';

export interface ImageSize {
  width: number;
  height: number;
}

const ASSUMED: ImageSize = { width: 1024, height: 1024 };

interface TileCost {
  base: number;
  tile: number;
}

function tileCostFor(model: string): TileCost {
  const m = baseModelName(model);
  // gpt-4o-mini bills images at ~33× the token count so that the dollar price matches gpt-4o.
  if (m.startsWith('gpt-4o-mini')) return { base: 2833, tile: 5667 };
  if (/^gpt-5/.test(m)) return { base: 70, tile: 140 };
  if (/^o[13]/.test(m)) return { base: 75, tile: 150 };
  return { base: 85, tile: 170 };
}

export function openAiImageTokens(size: ImageSize, detail: string | undefined, model: string): number {
  const cost = tileCostFor(model);
  if (detail === 'low') return cost.base;
  let { width: w, height: h } = size;
  if (w > 2048 || h > 2048) {
    const s = 2048 / Math.max(w, h);
    w *= s;
    h *= s;
  }
  const shortSide = Math.min(w, h);
  if (shortSide > 768) {
    const s = 768 / shortSide;
    w *= s;
    h *= s;
  }
  const tiles = Math.ceil(w / 512) * Math.ceil(h / 512);
  return cost.base + cost.tile * tiles;
}

export function anthropicImageTokens(size: ImageSize): number {
  let { width: w, height: h } = size;
  const longEdge = Math.max(w, h);
  if (longEdge > 1568) {
    const s = 1568 / longEdge;
    w *= s;
    h *= s;
  }
  // Anthropic also caps images at about 1.15 megapixels.
  const pixels = Math.min(w * h, 1_150_000);
  return Math.max(1, Math.ceil(pixels / 750));
}

/** Reads width and height from the first bytes of a base64 PNG, GIF or JPEG; undefined if it cannot. */
export function imageSizeFromBase64(data: string): ImageSize | undefined {
  // 64 KiB of base64 covers the JPEG SOF marker in all but unusual files (large EXIF blocks).
  const head = Buffer.from(data.slice(0, 65536 - (65536 % 4)), 'base64');
  if (head.length >= 24 && head.readUInt32BE(0) === 0x89504e47) {
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 10 && head.toString('latin1', 0, 3) === 'GIF') {
    return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8) {
    let i = 2;
    while (i + 9 < head.length) {
      if (head[i] !== 0xff) return undefined;
      const marker = head[i + 1] ?? 0;
      const len = head.readUInt16BE(i + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: head.readUInt16BE(i + 7), height: head.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return undefined;
}

/** Token estimate for one image part; `known` tells whether the size was read from the image itself. */
export function imageTokens(
  part: ImagePart,
  model: string,
  anthropicStyle: boolean,
): { tokens: number; known: boolean } {
  const size = part.source.kind === 'base64' ? imageSizeFromBase64(part.source.data) : undefined;
  const s = size ?? ASSUMED;
  const tokens = anthropicStyle ? anthropicImageTokens(s) : openAiImageTokens(s, part.detail, model);
  return { tokens, known: size !== undefined };
}
