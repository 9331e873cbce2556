import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdminGuard, readCookie, SESSION_COOKIE } from './admin-guard.js';

const TOKEN = 'admin-token-0123456789';

describe('AdminGuard', () => {
  test('loopback without a token is open', () => {
    const g = new AdminGuard('127.0.0.1', undefined);
    assert.equal(g.required, false);
    assert.equal(g.check({}), 'ok');
  });

  test('beyond loopback without a token is refused as not configured, whatever is sent', () => {
    const g = new AdminGuard('0.0.0.0', undefined);
    assert.equal(g.required, true);
    assert.equal(g.configured, false);
    assert.equal(g.check({ authorization: 'Bearer anything-at-all-here' }), 'not_configured');
  });

  test('with a token: bearer, header or session cookie; never the token itself as the cookie', () => {
    const g = new AdminGuard('0.0.0.0', TOKEN);
    assert.equal(g.check({}), 'unauthorized');
    assert.equal(g.check({ authorization: `Bearer ${TOKEN}` }), 'ok');
    assert.equal(g.check({ authorization: 'Bearer wrong-token-0123456789' }), 'unauthorized');
    assert.equal(g.check({ 'x-penny-admin-token': TOKEN }), 'ok');
    const cookie = g.sessionCookie(false);
    assert.match(cookie, /HttpOnly; SameSite=Strict$/);
    assert.equal(cookie.includes(TOKEN), false);
    const value = readCookie(cookie.split(';')[0], SESSION_COOKIE);
    assert.equal(g.check({ cookie: `other=1; ${SESSION_COOKIE}=${value}` }), 'ok');
    assert.equal(g.check({ cookie: `${SESSION_COOKIE}=${TOKEN}` }), 'unauthorized');
    assert.match(g.sessionCookie(true), /; Secure$/);
  });

  test('a token configured on loopback is required too', () => {
    const g = new AdminGuard('localhost', TOKEN);
    assert.equal(g.check({}), 'unauthorized');
    assert.equal(g.matches(TOKEN), true);
    assert.equal(g.matches(`${TOKEN}x`), false);
  });
});
