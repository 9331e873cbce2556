import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imageSourceFromUrl, imageSourceToUrl } from './image-url.js';

test('splits base64 data URLs into media type and data, and joins them back', () => {
  const url = 'data:image/png;base64,iVBORw0KGgo=';
  const src = imageSourceFromUrl(url);
  assert.deepEqual(src, { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' });
  assert.equal(imageSourceToUrl(src), url);
});

test('keeps http URLs and unusual data URLs as plain URLs', () => {
  for (const url of [
    'https://example.com/cat.jpg',
    'data:image/png;charset=x;base64,AAAA',
    'data:text/plain,hi',
  ]) {
    const src = imageSourceFromUrl(url);
    assert.deepEqual(src, { kind: 'url', url });
    assert.equal(imageSourceToUrl(src), url);
  }
});
