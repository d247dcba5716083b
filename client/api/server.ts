/**
 * The HTTP API (README "HTTP API"): fastify with API-key roles, zod validation, the API's error shape (README "HTTP API"), OpenAPI at
 * /docs, health and readiness, structured logs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { authenticate } from './auth';
import type { ApiDeps, RegisteredRoute } from './context';
import { errorHandler } from './errors';
import { registerRateLimit } from './rate-limit';
import { registerSecurityHeaders } from './security-headers';
import { registerLeadRoutes } from './routes/leads';
import { registerTaskRoutes } from './routes/tasks';
import { registerSystemRoutes } from './routes/system';
import { registerConfigRoutes } from './routes/config';
import { registerEmailRoutes } from './routes/email';
import { registerSurveyRoutes } from './routes/survey';
import { registerWebhookRoutes } from './routes/webhooks';
import { registerCampaignRoutes } from './routes/campaigns';
import { registerWebRoutes } from './routes/web';
import { registerMetricsRoutes } from './routes/metrics';
import { registerAdminMetricsRoutes } from './routes/admin-metrics';
import { registerPrometheus } from './prometheus';
import { FactsStore } from '../../store/metrics/facts-store';

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.LOG_LEVEL },
    bodyLimit: 1024 * 1024,
    trustProxy: false,
  });
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/v1/') && !req.url.startsWith('/v1/inbound/')) {
      req.principal = authenticate(req.headers.authorization, deps.config.apiKeys, deps.roster());
    }
  });
  await registerRateLimit(app, deps.redis, deps.config.REDIS_PREFIX, deps.config.API_RATE_LIMIT);
  await registerSecurityHeaders(app);
  // first, so its onResponse hook counts every route
  registerPrometheus(app, new FactsStore(deps.redis, deps.config.REDIS_PREFIX));
  registerSystemRoutes(app, deps);
  registerLeadRoutes(app, deps);
  registerTaskRoutes(app, deps);
  registerConfigRoutes(app, deps);
  registerEmailRoutes(app, deps);
  registerSurveyRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerCampaignRoutes(app, deps);
  registerMetricsRoutes(app, deps);
  registerAdminMetricsRoutes(app, deps);
  registerWebRoutes(app, deps);
  return app;
}
