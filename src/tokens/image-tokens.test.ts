import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anthropicImageTokens, imageSizeFromBase64, openAiImageTokens } from './image-tokens.js';

function pngHeader(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}

function jpegHeader(width: number, height: number): string {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.alloc(19);
  sof.writeUInt16BE(0xffc0, 0);
  sof.writeUInt16BE(17, 2);
  sof[4] = 8;
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]).toString('base64');
}

describe('image tokens', () => {
  test('OpenAI tile rule (gpt-4o)', () => {
    assert.equal(openAiImageTokens({ width: 4000, height: 4000 }, 'low', 'gpt-4o'), 85);
    assert.equal(openAiImageTokens({ width: 1024, height: 1024 }, 'high', 'gpt-4o'), 765);
    // 2048×4096 → 1024×2048 → 768×1536 → 2×3 tiles
    assert.equal(openAiImageTokens({ width: 2048, height: 4096 }, 'high', 'gpt-4o'), 85 + 170 * 6);
    assert.equal(openAiImageTokens({ width: 512, height: 512 }, undefined, 'gpt-4o'), 255);
    assert.equal(openAiImageTokens({ width: 512, height: 512 }, 'low', 'gpt-4o-mini'), 2833);
  });

  test('Anthropic pixels / 750 with the long edge capped at 1568', () => {
    assert.equal(anthropicImageTokens({ width: 1000, height: 1000 }), 1334);
    assert.equal(anthropicImageTokens({ width: 200, height: 200 }), 54);
    assert.ok(anthropicImageTokens({ width: 8000, height: 8000 }) <= 1534);
  });

  test('reads sizes from PNG, GIF and JPEG headers', () => {
    assert.deepEqual(imageSizeFromBase64(pngHeader(640, 480)), { width: 640, height: 480 });
    const gif = Buffer.from('GIF89a\x20\x03\x58\x02', 'latin1').toString('base64');
    assert.deepEqual(imageSizeFromBase64(gif), { width: 800, height: 600 });
    assert.deepEqual(imageSizeFromBase64(jpegHeader(1920, 1080)), { width: 1920, height: 1080 });
    assert.equal(imageSizeFromBase64(Buffer.from('not an image at all').toString('base64')), undefined);
  });
});
