/**
 * Reporting (README "HTTP API"): the pipeline board, the funnel, the forecast with its configurable stage
 * probabilities, segment metrics, team goals and the exchange rates of converted totals. Money is
 * given per currency (client/metrics/money.ts). Everything is computed from the lead facts that
 * the lead workflows write (client/metrics/). A manager sees only their own team: without `team`
 * the answer is for that team, with another team it is a 403.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ForbiddenError } from '../../../store/request-errors';
import { parseOrThrow } from '../../lead-input';
import { MetricsService, periodRange } from '../../metrics/service';
import { ownHistory, reportTeam as teamFor, requireRole, seesTeam } from '../auth';
import { funnelQuery, noQuery, pipelineQuery, segmentsQuery } from '../schemas';
import { who, type ApiDeps } from '../context';
import { auditPage } from '../page-token';

const q = <T>(schema: z.ZodType<T>, raw: unknown): T => parseOrThrow(schema, raw ?? {}, 'query');

export function registerMetricsRoutes(app: FastifyInstance, deps: ApiDeps): MetricsService {
  const metrics = new MetricsService(deps.redis, deps.config.REDIS_PREFIX);

  app.get('/v1/pipeline', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const { team } = q(pipelineQuery, req.query);
    return metrics.pipeline(teamFor(p, team));
  });

  app.get('/v1/metrics/funnel', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const query = q(funnelQuery, req.query);
    return metrics.funnel(periodRange(query), teamFor(p, query.team));
  });

  app.get('/v1/metrics/segments', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const query = q(segmentsQuery, req.query);
    return metrics.segments(query.by, periodRange(query), teamFor(p, query.team));
  });

  app.get('/v1/forecast', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const { team } = q(pipelineQuery, req.query);
    return metrics.forecast(teamFor(p, team));
  });

  app.get('/v1/config/forecast', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    q(noQuery, req.query);
    return metrics.forecastConfig.get();
  });

  app.get('/v1/config/forecast/history', async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return auditPage(deps.config.SIGNING_SECRET, 'forecast', req.query, metrics.forecastConfig);
  });

  app.put('/v1/config/forecast', async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    q(noQuery, req.query);
    const doc = await metrics.setForecast(p.actor, req.body);
    req.log.info({ version: doc.version, by: p.actor }, 'forecast probabilities changed');
    return doc;
  });

  // exchange rates for converted money totals (README "Reporting"): read by whoever sees reports
  app.get('/v1/config/rates', async (req) => {
    requireRole(who(req), ['manager', 'marketing', 'admin']);
    q(noQuery, req.query);
    return metrics.ratesConfig.get();
  });

  app.get('/v1/config/rates/history', async (req) => {
    requireRole(who(req), ['manager', 'marketing', 'admin']);
    return auditPage(deps.config.SIGNING_SECRET, 'rates', req.query, metrics.ratesConfig);
  });

  app.put('/v1/config/rates', async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    q(noQuery, req.query);
    const doc = await metrics.setRates(p.actor, req.body);
    req.log.info({ version: doc.version, by: p.actor }, 'exchange rates changed');
    return doc;
  });

  app.get('/v1/goals', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const { team } = q(pipelineQuery, req.query);
    return metrics.goals(teamFor(p, team));
  });

  app.get('/v1/goals/history', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    // a manager's token is bound to their team: the pages they see are filtered
    const page = await auditPage(deps.config.SIGNING_SECRET, p.role === 'manager' ? `goals:${p.scope}` : 'goals', req.query, metrics.goalsConfig);
    // a manager sees the changes of their own team's goals only (a page may then hold fewer entries)
    return { ...page, items: ownHistory(p, page.items, (d) => ({ ...d, goals: d.goals.filter((g) => seesTeam(p, g.team)) })) };
  });

  app.put('/v1/goals', async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    q(noQuery, req.query);
    const res = await metrics.setGoals(p.actor, req.body, p.role === 'manager' ? p.scope : undefined);
    if ('forbidden' in res) throw new ForbiddenError(res.forbidden);
    req.log.info({ version: res.doc.version, by: p.actor }, 'goals changed');
    return metrics.goals(teamFor(p, undefined));
  });

  return metrics;
}
