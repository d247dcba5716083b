/**
 * The HTTP API (README "HTTP API"): fastify with API-key roles, zod validation (each route's schema,
 * openapi.ts), the API's error shape (README "HTTP API"), the OpenAPI document generated from the
 * routes with a docs UI at /docs, health and readiness, structured logs.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type Redis from 'ioredis';
import { authenticate } from './auth';
import type { ApiDeps, RegisteredRoute } from './context';
import { CodedError } from '../../store/request-errors';
import { makeErrorHandler, render, sendError } from './errors';
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

/**
 * Whether the API's Redis connection is unusable now: not connected, or connected but not
 * answering a PING within half a second (a hung server).
 */
async function redisDown(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return true;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('no answer')), 500))),
    ]);
    return false;
  } catch {
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The request bodies a route takes (docs/ERRORS.md `unsupported_media_type`): JSON unless its
 * route config lists other media types (`config: { accepts: ['text/csv'] }`). A body of any other
 * type is refused with 415 before the route runs; fastify's text/plain parser is removed, so a
 * plain-text body never reaches a JSON route as a string.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** media types this route takes besides application/json */
    accepts?: readonly string[];
  }
}
function registerMediaTypes(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addHook('preParsing', async (req) => {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!type || !hasBody) return;
    const route = req.routeOptions.url;
    // the public pages (survey, unsubscribe) and the signed inbound webhook parse their own bodies
    if (!route?.startsWith('/v1/') || route.startsWith('/v1/inbound/')) return;
    const json = type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
    if (json || req.routeOptions.config.accepts?.includes(type)) return;
    throw new CodedError('unsupported_media_type', `a ${type} body is not accepted here; send application/json`);
  });
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.LOG_LEVEL },
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // errors the router raises before any route (a bad URL encoding, a path parameter too long)
    // answer in the API's error shape too (docs/ERRORS.md)
    frameworkErrors: (err, _req, reply) => {
      void sendError(
        reply,
        render({
          code: err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : 'invalid_input',
          message: err.message,
          details: [{ path: '(url)', message: err.message }],
        }),
      );
    },
    // every id the API creates fits in a path segment (schemas.ts PATH_PARAM_MAX_LENGTH; README "HTTP API")
    routerOptions: { maxParamLength: PATH_PARAM_MAX_LENGTH },
  });
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    const hidden = r.schema?.hide === true;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden });
  });
  app.setErrorHandler(makeErrorHandler(() => redisDown(deps.redis)));
  app.setNotFoundHandler((req, reply) => {
    void sendError(reply, render({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  });
  // who is asking is decided on the route the router matched (its decoded path), never on the raw
  // URL: `/%76%31/leads` is /v1/leads and is authenticated like it
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (route?.startsWith('/v1/') && !route.startsWith('/v1/inbound/')) {
      req.principal = authenticate(req.headers.authorization, deps.config.apiKeys, deps.roster());
    }
  });
  registerMediaTypes(app);
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
