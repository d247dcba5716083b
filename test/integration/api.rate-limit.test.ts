/**
 * The API rate limit is shared by every replica on one Redis (client/api/rate-limit.ts,
 * @fastify/rate-limit with its Redis store): two API instances, one limit per API key.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../client/api/server';
import { KEYS, startStack, type Stack } from '../support/stack';

let a: Stack;
let b: FastifyInstance;
let bUrl: string;

beforeAll(async () => {
  a = await startStack({ worker: false, config: { API_RATE_LIMIT: '4' } });
  // a second replica: the same configuration and Redis, its own process state
  b = await buildApi({
    config: a.config,
    leads: a.runtime.leads,
    tasks: a.runtime.tasks,
    redis: a.runtime.redis,
    roster: a.runtime.roster,
    logger: false,
  });
  await b.listen({ port: 0, host: '127.0.0.1' });
  bUrl = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await b?.close();
  await a?.stop();
});

const get = (base: string, path: string, key?: string) =>
  fetch(base + path, { headers: key ? { authorization: `Bearer ${key}` } : {} });

test('two API instances on one Redis share one limit per API key: 429 with Retry-After in the error shape', async () => {
  for (const base of [a.baseUrl, bUrl, a.baseUrl, bUrl])
    expect((await get(base, '/v1/me', KEYS.alice)).status).toBe(200);
  for (const base of [a.baseUrl, bUrl]) {
    const res = await get(base, '/v1/me', KEYS.alice);
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await res.json()).toEqual({
      error: { code: 'rate_limited', message: `too many requests for this API key; retry in ${retryAfter} s` },
    });
  }
  // another key has its own limit, on either instance
  expect((await get(bUrl, '/v1/me', KEYS.bob)).status).toBe(200);
  expect((await get(a.baseUrl, '/v1/me', KEYS.bob)).status).toBe(200);
  // routes without an API key are not limited
  for (let i = 0; i < 6; i++) expect((await get(bUrl, '/healthz')).status).toBe(200);
  // a request without a valid key is refused for that, not counted
  expect((await get(a.baseUrl, '/v1/me', 'not-a-key-at-all')).status).toBe(401);
});

test('the counters live in Redis under the prefix, named by a digest of the key, never the key', async () => {
  const keys = await a.runtime.redis.keys(`${a.config.REDIS_PREFIX}api-rate:*`);
  expect(keys.length).toBeGreaterThanOrEqual(2);
  for (const k of keys) {
    expect(k).toMatch(new RegExp(`^${a.config.REDIS_PREFIX}api-rate:[0-9a-f]{16}$`));
    for (const raw of Object.values(KEYS)) expect(k).not.toContain(raw);
  }
});
