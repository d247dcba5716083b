/**
 * Per-API-key rate limiting (README "HTTP API", docs/CONFIG.md `API_RATE_LIMIT`) on
 * @fastify/rate-limit with its Redis store, so every API replica on the same Redis shares one
 * limit: `API_RATE_LIMIT` requests per API key per minute (a fixed one-minute window per key that
 * starts at the key's first request), 0 switches it off. Over the limit the answer is 429 with
 * `Retry-After` (seconds until the window ends) in the API's error shape (`rate_limited`). Only
 * authenticated /v1 routes count; the public survey/unsubscribe pages, health checks and the
 * signed inbound webhook are not limited. The counter key is `<REDIS_PREFIX>api-rate:<key digest>`
 * (a digest of the API key, never the key). If Redis does not answer, requests are let through
 * (readiness reports Redis).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import { notAutoPipelined } from '../../store/redis-scripts';
import { CodedError } from '../../store/request-errors';

export class RateLimitedError extends CodedError {
  override name = 'RateLimitedError';
  readonly statusCode = 429;
  constructor(retryAfterSeconds: number) {
    super('rate_limited', `too many requests for this API key; retry in ${retryAfterSeconds} s`, [], retryAfterSeconds);
  }
}

/** Registers the shared per-key limit on `app` (before its routes; after the hook that authenticates). */
export async function registerRateLimit(
  app: FastifyInstance,
  redis: Redis,
  prefix: string,
  perMinute: number,
): Promise<void> {
  if (perMinute <= 0) return;
  notAutoPipelined(redis, 'rateLimit', 'rateLimitRead'); // the store's named commands
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: perMinute,
    timeWindow: 60_000,
    redis,
    nameSpace: `${prefix}api-rate:`,
    skipOnError: true,
    // the principal is set by the authentication hook, which runs first; no principal: not limited
    keyGenerator: (req) => req.principal?.key ?? '',
    allowList: (req) => !req.principal,
    errorResponseBuilder: (_req, ctx) => new RateLimitedError(Math.max(1, Math.ceil(ctx.ttl / 1000))),
  });
}
