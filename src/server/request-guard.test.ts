import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { RequestGuard, checkJsonContentType } from './request-guard.js';

const req = (headers: Record<string, string>) => ({ headers, method: 'POST' }) as unknown as IncomingMessage;

describe('RequestGuard', () => {
  test('loopback binding: loopback names, server.host and allowedHosts only', () => {
    const g = new RequestGuard({ host: '127.0.0.1', allowedHosts: ['Penny.Internal'], corsOrigins: [] });
    for (const host of [
      'localhost:8787',
      '127.0.0.1',
      '127.1.2.3:1',
      '[::1]:8787',
      'penny.internal.',
      'PENNY.INTERNAL:80',
    ])
      assert.equal(g.checkHost(req({ host })), null, host);
    for (const host of ['evil.example', 'evil.example:8787', '127.0.0.1.evil.example', '10.0.0.1'])
      assert.equal(g.checkHost(req({ host }))?.status, 403, host);
    // The same Host again and again (a keep-alive client), with a refused one between: each decided alike.
    for (let i = 0; i < 3; i++) {
      assert.equal(g.checkHost(req({ host: 'localhost:8787' })), null);
      assert.equal(g.checkHost(req({ host: 'localhost:8787' })), null);
      assert.equal(g.checkHost(req({ host: 'evil.example' }))?.status, 403);
      assert.equal(g.checkHost(req({ host: 'evil.example' }))?.status, 403);
    }
  });

  test('wildcard binding (tokens required anyway): Host is checked only when allowedHosts is set', () => {
    assert.equal(
      new RequestGuard({ host: '0.0.0.0', allowedHosts: [], corsOrigins: [] }).checkHost(req({ host: 'x' })),
      null,
    );
    const g = new RequestGuard({ host: '0.0.0.0', allowedHosts: ['penny.example.com'], corsOrigins: [] });
    assert.equal(g.checkHost(req({ host: 'penny.example.com' })), null);
    assert.equal(g.checkHost(req({ host: 'other.example.com' }))?.code, 'forbidden');
  });

  test('Origin: absent passes, same origin passes, listed passes, others are refused', () => {
    const g = new RequestGuard({
      host: '127.0.0.1',
      allowedHosts: [],
      corsOrigins: ['https://app.example.com'],
    });
    assert.equal(g.checkOrigin(req({ host: 'localhost:8787' })), null);
    assert.equal(g.checkOrigin(req({ host: 'localhost:8787', origin: 'http://localhost:8787' })), null);
    assert.equal(g.checkOrigin(req({ host: 'localhost:8787', origin: 'https://APP.example.com' })), null);
    assert.equal(
      g.checkOrigin(req({ host: 'localhost:8787', origin: 'http://localhost:3000' }))?.status,
      403,
    );
    assert.equal(g.checkOrigin(req({ host: 'localhost:8787', origin: 'null' }))?.status, 403);
    const form = { host: 'localhost:8787', origin: 'null', 'sec-fetch-site': 'same-origin' };
    assert.equal(g.checkOrigin(req(form)), null, "the page's own form under referrer-policy no-referrer");
    const framed = { host: 'localhost:8787', origin: 'null', 'sec-fetch-site': 'cross-site' };
    assert.equal(g.checkOrigin(req(framed))?.status, 403);
  });

  test('content-type: JSON only', () => {
    assert.equal(checkJsonContentType(req({ 'content-type': 'application/json' })), null);
    assert.equal(checkJsonContentType(req({ 'content-type': 'application/json;charset=UTF-8' })), null);
    assert.equal(checkJsonContentType(req({ 'content-type': 'application/problem+json' })), null);
    for (const ct of ['text/plain', 'multipart/form-data; boundary=x', 'application/jsonp', ''])
      assert.equal(checkJsonContentType(req({ 'content-type': ct }))?.status, 415, ct);
    assert.equal(checkJsonContentType(req({}))?.status, 415);
  });

  test('config: server.cors.origins must be origins; errors name the field', () => {
    assert.throws(
      () => loadConfig({ object: { server: { cors: { origins: ['https://a.example/path'] } } }, env: {} }),
      /server\.cors\.origins/,
    );
    const ok = loadConfig({
      object: { server: { cors: { origins: ['http://localhost:3000', '*'] } } },
      env: {},
    });
    assert.deepEqual(ok.config.server.cors.origins, ['http://localhost:3000', '*']);
  });
});
