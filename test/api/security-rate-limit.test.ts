/**
 * Optional per-key rate limits (issue #13 item 8): off by default; with `LF_RATE_LIMIT` a key (or, without keys,
 * a client address) over its budget gets 429 `{detail}` with `Retry-After`, other keys are unaffected, and the
 * liveness probe is never limited.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { makeTestApp, json } from '../helpers/app.js';
import { parseRateLimit } from '../../src/core/settings.js';

const ADMIN = 'rate-limit-admin-key-0123456789';

test('LF_RATE_LIMIT parsing', () => {
  assert.deepEqual(parseRateLimit('120/minute'), { max: 120, windowMs: 60_000 });
  assert.deepEqual(parseRateLimit('5/s'), { max: 5, windowMs: 1000 });
  assert.deepEqual(parseRateLimit(' 1000 / hour '), { max: 1000, windowMs: 3_600_000 });
  assert.equal(parseRateLimit(undefined), undefined);
  assert.equal(parseRateLimit(''), undefined);
  assert.throws(() => parseRateLimit('fast'), /LF_RATE_LIMIT/);
  assert.throws(() => parseRateLimit('0/minute'), /LF_RATE_LIMIT/);
});

describe('rate limits', () => {
  test('off by default: many requests, no 429', async () => {
    const t = await makeTestApp();
    try {
      for (let i = 0; i < 30; i++) assert.equal((await t.app.inject('/v1/projects/default')).statusCode, 200);
    } finally {
      await t.close();
    }
  });

  test('per key: the 4th request in the window → 429 with Retry-After; another key still passes', async () => {
    const t = await makeTestApp({ apiKey: ADMIN, rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      const auth = { authorization: `Bearer ${ADMIN}` };
      const created = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: auth, payload: { name: 'reader', scope: 'read' } });
      assert.equal(created.statusCode, 201, created.body);
      const reader = { 'x-api-key': json(created).key };
      for (let i = 0; i < 2; i++) assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: auth })).statusCode, 200);
      const limited = await t.app.inject({ url: '/v1/projects/default', headers: auth });
      assert.equal(limited.statusCode, 429, limited.body);
      assert.match(String(limited.headers['retry-after']), /^\d+$/);
      assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60);
      assert.match(json(limited).detail, /Rate limit exceeded/);
      assert.deepEqual(Object.keys(json(limited)), ['detail']);
      assert.equal((await t.app.inject({ url: '/v1/projects/default', headers: reader })).statusCode, 200, 'another key has its own budget');
      assert.equal((await t.app.inject('/health/liveness')).statusCode, 200, 'liveness is never limited');
    } finally {
      await t.close();
    }
  });
});
