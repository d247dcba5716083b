/**
 * A dependency down is a 503, quickly (docs/ERRORS.md `dependency_unavailable`): with the API's
 * Redis stopped, and with its Temporal server stopped, routes that need them answer 503 with
 * `Retry-After` within 5 s, and answer again by themselves once the service is back. The Redis and
 * the Temporal dev server are this file's own (started here on free ports), so stopping them
 * touches no other test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRedis, startTemporalDevServer } from '../../devstack/services';
import { KEYS, eventually, startStack, type Stack } from '../support/stack';

/** The bound the API promises for an answer while a dependency is down. */
const ANSWER_WITHIN_MS = 5_000;

let dir: string;
let redisPort: number;
let temporalPort: number;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
let temporal: Awaited<ReturnType<typeof startTemporalDevServer>> | undefined;
let stack: Stack;

const startOwnRedis = () => startRedis({ dataDir: path.join(dir, 'redis'), logDir: dir, port: redisPort });
const startOwnTemporal = () =>
  startTemporalDevServer({ dbFile: path.join(dir, 'temporal.db'), logDir: dir, port: temporalPort });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dealflow-outage-'));
  [redisPort, temporalPort] = [await freePort(), await freePort()];
  [redis, temporal] = await Promise.all([startOwnRedis(), startOwnTemporal()]);
  stack = await startStack({ worker: false, config: { REDIS_URL: redis.url, TEMPORAL_ADDRESS: temporal.address } });
}, 120_000);

afterAll(async () => {
  await stack?.stop().catch(() => undefined);
  await redis?.stop();
  await temporal?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One call with a hard cut at the promised bound: a slower answer fails the test rather than hangs it. */
async function bounded(
  pathname: string,
  key = KEYS.admin,
): Promise<{ status: number; retryAfter: string | null; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(stack.baseUrl + pathname, {
    headers: { authorization: `Bearer ${key}` },
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  const body = await res.json();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body,
    ms: Math.round(performance.now() - t0),
  };
}

function expectUnavailable(r: { status: number; retryAfter: string | null; body: any }): void {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 503, code: 'dependency_unavailable' });
  expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
}

// a Redis-backed route (the task inbox), a Temporal-backed one (the lead list), a config read (Redis)
const REDIS_ROUTES = ['/v1/tasks?assignee=alice', '/v1/config/thresholds', '/v1/config/forecast'];
const TEMPORAL_ROUTES = ['/v1/leads', '/v1/leads/nobody-1'];

/**
 * Stops a service, asks each route twice for its 503 (within the bound, with Retry-After), starts
 * the service again and waits for `recovered`. Prints the slowest 503 per route.
 */
async function outage(
  name: string,
  routes: string[],
  stop: () => Promise<void>,
  restart: () => Promise<void>,
  recovered: () => Promise<void>,
): Promise<void> {
  await stop();
  const seen: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    for (const route of routes) {
      const r = await bounded(route);
      expectUnavailable(r);
      seen[route] = Math.max(seen[route] ?? 0, r.ms);
    }
  }
  console.log(`${name} stopped: slowest 503 per route (ms)`, seen);
  await restart();
  await recovered();
}

it('answers 503 with Retry-After within 5 s while Redis is stopped, and recovers by itself', async () => {
  for (const route of REDIS_ROUTES) expect((await bounded(route)).status).toBe(200);
  await outage(
    'Redis',
    REDIS_ROUTES,
    async () => {
      await redis!.stop();
      redis = undefined;
    },
    async () => {
      redis = await startOwnRedis();
    },
    async () => {
      for (const route of REDIS_ROUTES)
        await eventually(async () => (await bounded(route)).status === 200, 20_000, `${route} answers again`);
    },
  );
});

it('answers 503 with Retry-After within 5 s while Temporal is stopped, and recovers by itself', async () => {
  expect((await bounded('/v1/leads')).status).toBe(200);
  await outage(
    'Temporal',
    TEMPORAL_ROUTES,
    async () => {
      await temporal!.stop();
      temporal = undefined;
    },
    async () => {
      temporal = await startOwnTemporal();
    },
    async () => {
      await eventually(async () => (await bounded('/v1/leads')).status === 200, 30_000, 'the lead list answers again');
    },
  );
  expect((await bounded('/v1/leads/nobody-1')).status).toBe(404);
});
