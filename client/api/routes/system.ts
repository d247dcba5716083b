/** Liveness, readiness (Temporal + Redis), the OpenAPI document and the roster. */
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth';
import { openApiDocument } from '../openapi';
import { who, type ApiDeps } from '../server';

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

export function registerSystemRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all([
      withTimeout(deps.leads.temporal.workflowService.getSystemInfo({}), 3000)
        .then(() => (checks.temporal = { ok: true }))
        .catch((e: Error) => (checks.temporal = { ok: false, error: e.message })),
      withTimeout(deps.redis.ping(), 3000)
        .then(() => (checks.redis = { ok: true }))
        .catch((e: Error) => (checks.redis = { ok: false, error: e.message })),
    ]);
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks });
  });

  const doc = openApiDocument(deps.config.PUBLIC_BASE_URL);
  app.get('/docs', async () => doc);
  app.get('/docs/openapi.json', async () => doc);

  app.get('/v1/config/roster', async (req) => {
    requireRole(who(req), ['admin', 'manager']);
    return deps.roster().roster;
  });
}
