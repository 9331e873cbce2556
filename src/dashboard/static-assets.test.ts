import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StaticAssets } from './static-assets.js';

describe('StaticAssets', () => {
  test('serves the dashboard files and Chart.js from the package, nothing else', () => {
    const a = new StaticAssets();
    for (const name of ['index.html', 'styles.css', 'js/app.js', 'js/charts.js', 'vendor/chart.umd.js'])
      assert.ok(a.has(name), name);
    const chart = a.get('vendor/chart.umd.js');
    assert.ok(chart && chart.body.length > 100_000);
    assert.match(chart.contentType, /^text\/javascript/);
    assert.match(a.get('index.html')?.contentType ?? '', /^text\/html/);
    assert.equal(a.get('../package.json'), undefined);
    assert.equal(a.get('/etc/passwd'), undefined);
  });

  test('the page loads no asset from anywhere but the gateway', () => {
    const html = new StaticAssets().get('index.html')!.body.toString();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(urls.length >= 3);
    for (const u of urls) assert.ok(u.startsWith('/dashboard/assets/') || u.startsWith('data:'), u);
  });
});
