/**
 * An integration stack on the real services from global setup: a worker and the HTTP API,
 * in-process, on a task queue and Redis prefix of their own so test files never see each
 * other's data.
 */
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '../../config/env';
import { createWorker, type WorkerHandle } from '../../workers/worker';
import { createClientRuntime, type ClientRuntime } from '../../client/runtime';
import { buildApi } from '../../client/api/server';
import type { FastifyInstance } from 'fastify';

export const KEYS = {
  admin: 'test-admin-key',
  marketing: 'test-marketing-key',
  managerAlpha: 'test-manager-alpha',
  managerBeta: 'test-manager-beta',
  alice: 'test-rep-alice',
  bob: 'test-rep-bob',
  carol: 'test-rep-carol',
};

export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = crypto.randomBytes(4).toString('hex');
  return loadConfig({
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    REDIS_URL: process.env.TEST_REDIS_URL,
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    REDIS_PREFIX: `test-${id}:`,
    LOG_LEVEL: 'warn',
    API_KEYS: `${KEYS.admin}=admin,${KEYS.marketing}=marketing,${KEYS.managerAlpha}=manager:alpha,${KEYS.managerBeta}=manager:beta,${KEYS.alice}=rep:alice,${KEYS.bob}=rep:bob,${KEYS.carol}=rep:carol`,
    SMTP_URL: 'smtp://127.0.0.1:1',
    HTTP_PORT: '0',
    ...overrides,
  });
}

export interface Stack {
  config: Config;
  runtime: ClientRuntime;
  app: FastifyInstance;
  baseUrl: string;
  worker?: WorkerHandle;
  /** HTTP call with a key; returns status and parsed JSON */
  call(method: string, path: string, key?: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startStack(opts: { worker?: boolean; config?: Record<string, string> } = {}): Promise<Stack> {
  const config = testConfig(opts.config);
  const runtime = await createClientRuntime(config, { bounded: true });
  const app = await buildApi({
    config,
    leads: runtime.leads,
    tasks: runtime.tasks,
    redis: runtime.redis,
    roster: runtime.roster,
    liveRoster: runtime.liveRoster,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  let worker: WorkerHandle | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker !== false) {
    worker = await createWorker(config);
    running = worker.run();
  }
  return {
    config,
    runtime,
    app,
    baseUrl,
    worker,
    async call(method, path, key, body) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    },
    async stop() {
      await worker?.shutdown();
      await running;
      await app.close();
      await runtime.close();
    },
  };
}

/** Polls until fn returns a truthy value (visibility is eventually consistent). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
