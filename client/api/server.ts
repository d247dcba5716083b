/**
 * The HTTP API (README "HTTP API"): fastify with API-key roles, zod validation (each route's schema,
 * openapi.ts), the API's error shape (README "HTTP API"), the OpenAPI document generated from the
 * routes with a docs UI at /docs, health and readiness, structured logs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { authenticate } from './auth';
import type { ApiDeps, RegisteredRoute } from './context';
import { errorHandler } from './errors';
import { checkRouteRole, registerOpenApi } from './openapi';
import { PATH_PARAM_MAX_LENGTH } from './schemas';
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
    // every id the API creates fits in a path segment (schemas.ts PATH_PARAM_MAX_LENGTH; README "HTTP API")
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
  });
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    const hidden = (r.schema)?.hide === true;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden });
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
  // a role the route's rule refuses is a 403 before its input is read (openapi.ts)
  app.addHook('preValidation', checkRouteRole);
  await registerOpenApi(app, deps.config.PUBLIC_BASE_URL);
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
