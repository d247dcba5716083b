/**
 * Reporting (README "HTTP API"): the pipeline board, the funnel, the forecast with its configurable stage
 * probabilities, segment metrics, team goals and the exchange rates of converted totals. Money is
 * given per currency (client/metrics/money.ts). Everything is computed from the lead facts that
 * the lead workflows write (client/metrics/). A manager sees only their own team: without `team`
 * the answer is for that team, with another team it is a 403.
 */
import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../../../store/request-errors';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ADMIN, allow, auditOp, op, validatedInHandler } from '../openapi';
import { MetricsService, periodRange } from '../../metrics/service';
import { ownHistory, reportTeam as teamFor, requireRole, seesTeam } from '../auth';
import { forecastBody, funnelQuery, goalsBody, noQuery, pipelineQuery, ratesBody, segmentsQuery } from '../schemas';
import { who, type ApiDeps } from '../context';
import { auditPage } from '../page-token';

export function registerMetricsRoutes(fastify: FastifyInstance, deps: ApiDeps): MetricsService {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const report = allow('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } });
  const managerReport = allow('all', 'none', 'team', 'none', { scopeQuery: { team: 'team' } });
  const companyWide = allow('all', 'none', 'all', 'none');
  const metrics = new MetricsService(deps.redis, deps.config.REDIS_PREFIX);

  const pipeline = op({
    summary:
      'The board: per stage (all seven, in order) { stage, count, values (one { currency, amount } per ISO 4217 currency, never added across currencies), converted? ({ currency, amount | null, ratesVersion, missingRates } when exchange rates are configured), stalled (escalation level ≥ 3), atRisk (level 2) } over open leads and won leads in follow_up. Roles: manager (own team), marketing, admin.',
    access: report,
    query: pipelineQuery,
    ok: { 200: '{ stages: [{ stage, count, values: [{ currency, amount }], converted?, stalled, atRisk }] }' },
  });
  app.get('/v1/pipeline', { schema: pipeline }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const { team } = req.query;
    return metrics.pipeline(teamFor(p, team));
  });

  const funnel = op({
    summary:
      'Funnel over [from, to) (default the last 90 days): per stage, of the leads created in the period, how many entered it and went on to a later stage, and the median finished stay; won, lost, win rate and median cycle over the leads closed in the period. Roles: manager (own team), marketing, admin.',
    access: report,
    query: funnelQuery,
    ok: {
      200: '{ from, to, stages: [{ stage, entered, advanced, conversion, medianTimeInStageHours }], won, lost, winRate, medianCycleDays }',
    },
  });
  app.get('/v1/metrics/funnel', { schema: funnel }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const query = req.query;
    return metrics.funnel(periodRange(query), teamFor(p, query.team));
  });

  const segments = op({
    summary:
      'Win rate, cycle length and value per segment (by = source, industry, size or team) over the leads created in [from, to). Roles: manager (own team), marketing, admin.',
    access: report,
    query: segmentsQuery,
    ok: {
      200: '{ from, to, by, segments: [{ segment, leads, won, lost, winRate, medianCycleDays, wonValues: [{ currency, amount }], averageWonValues: [{ currency, amount }], wonConverted? }] }',
    },
  });
  app.get('/v1/metrics/segments', { schema: segments }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'marketing', 'admin']);
    const query = req.query;
    return metrics.segments(query.by, periodRange(query), teamFor(p, query.team));
  });

  const forecast = op({
    summary:
      'Weighted pipeline: per open stage and currency, value × the configured probability (rounded to the currency minor unit); totals per currency, converted totals when exchange rates are configured. Roles: manager (own team), admin.',
    access: managerReport,
    query: pipelineQuery,
    ok: {
      200: '{ totals: [{ currency, amount }], weightedTotals, converted?, weightedConverted?, byStage: [{ stage, probability, values, weightedValues, converted?, weightedConverted? }] }',
    },
  });
  app.get('/v1/forecast', { schema: forecast }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const { team } = req.query;
    return metrics.forecast(teamFor(p, team));
  });

  const forecastGet = op({
    summary: 'Forecast stage probabilities with their version (company-wide). Roles: manager, admin.',
    access: companyWide,
    query: noQuery,
    ok: { 200: '{ probabilities, version, updatedAt, updatedBy }' },
  });
  app.get('/v1/config/forecast', { schema: forecastGet }, async (req) => {
    requireRole(who(req), ['manager', 'admin']);
    return metrics.forecastConfig.get();
  });

  app.get(
    '/v1/config/forecast/history',
    { schema: auditOp('Audit log of forecast probability changes. Roles: manager, admin', companyWide) },
    async (req) => {
      requireRole(who(req), ['manager', 'admin']);
      return auditPage(deps.config.SIGNING_SECRET, 'forecast', req.query, metrics.forecastConfig);
    },
  );

  // metrics.setForecast validates (stages of the pipeline, each 0…1) and names the field
  const forecastPut = op({
    summary: 'Change stage probabilities (partial; each 0…1); versioned, audited. Role: admin.',
    access: ADMIN,
    query: noQuery,
    body: validatedInHandler(forecastBody),
    ok: { 200: 'the new document' },
  });
  app.put('/v1/config/forecast', { schema: forecastPut }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    const doc = await metrics.setForecast(p.actor, req.body);
    req.log.info({ version: doc.version, by: p.actor }, 'forecast probabilities changed');
    return doc;
  });

  // exchange rates for converted money totals (README "Reporting"): read by whoever sees reports
  const ratesAccess = allow('all', 'all', 'all', 'none');
  const ratesGet = op({
    summary:
      'Exchange rates for converted totals with their version (version 0: none configured; company-wide). Roles: manager, marketing, admin.',
    access: ratesAccess,
    query: noQuery,
    ok: { 200: '{ base, rates, version, updatedAt, updatedBy }' },
  });
  app.get('/v1/config/rates', { schema: ratesGet }, async (req) => {
    requireRole(who(req), ['manager', 'marketing', 'admin']);
    return metrics.ratesConfig.get();
  });

  app.get(
    '/v1/config/rates/history',
    { schema: auditOp('Audit log of exchange-rate changes. Roles: manager, marketing, admin', ratesAccess) },
    async (req) => {
      requireRole(who(req), ['manager', 'marketing', 'admin']);
      return auditPage(deps.config.SIGNING_SECRET, 'rates', req.query, metrics.ratesConfig);
    },
  );

  // metrics.setRates validates (ISO 4217 codes) and names the field
  const ratesPut = op({
    summary:
      'Replace the exchange rates: base (ISO 4217) and, per currency, the price of one unit in base; validated (field paths), versioned, audited. Role: admin.',
    access: ADMIN,
    query: noQuery,
    body: validatedInHandler(ratesBody),
    ok: { 200: 'the new document' },
  });
  app.put('/v1/config/rates', { schema: ratesPut }, async (req) => {
    const p = who(req);
    requireRole(p, ['admin']);
    const doc = await metrics.setRates(p.actor, req.body);
    req.log.info({ version: doc.version, by: p.actor }, 'exchange rates changed');
    return doc;
  });

  const goalsGet = op({
    summary:
      'Goals per team and period (YYYY, YYYY-Qn, YYYY-MM) with actual and progress; metrics newCustomers, wonValue, leadsContacted. Roles: manager (own team), admin.',
    access: managerReport,
    query: pipelineQuery,
    ok: {
      200: '{ version, updatedAt, updatedBy, goals: [{ team, period, metric, target, currency? (wonValue), actual, progress, wonInOtherCurrencies? }] }',
    },
  });
  app.get('/v1/goals', { schema: goalsGet }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const { team } = req.query;
    return metrics.goals(teamFor(p, team));
  });

  const goalsHistory = auditOp(
    "Audit log of goal changes; a manager sees their team's (a page may then hold fewer entries). Roles: manager, admin",
    allow('all', 'none', 'team', 'none', { filtered: true }),
  );
  app.get('/v1/goals/history', { schema: goalsHistory }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    // a manager's token is bound to their team: the pages they see are filtered
    const page = await auditPage(
      deps.config.SIGNING_SECRET,
      p.role === 'manager' ? `goals:${p.scope}` : 'goals',
      req.query,
      metrics.goalsConfig,
    );
    // a manager sees the changes of their own team's goals only (a page may then hold fewer entries)
    return {
      ...page,
      items: ownHistory(p, page.items, (d) => ({ ...d, goals: d.goals.filter((g) => seesTeam(p, g.team)) })),
    };
  });

  const goalsPut = op({
    summary:
      'Set goals: each replaces the one with the same (team, period, metric, currency); target null removes it; a wonValue goal names its ISO 4217 currency. A manager only for their own team. Validated, versioned, audited.',
    access: allow('all', 'none', 'team', 'none', { scopeBody: true }),
    query: noQuery,
    // metrics.setGoals validates and checks the teams against the caller's scope
    body: validatedInHandler(goalsBody),
    ok: { 200: 'the goals as GET returns them' },
  });
  app.put('/v1/goals', { schema: goalsPut }, async (req) => {
    const p = who(req);
    requireRole(p, ['manager', 'admin']);
    const res = await metrics.setGoals(p.actor, req.body, p.role === 'manager' ? p.scope : undefined);
    if ('forbidden' in res) throw new ForbiddenError(res.forbidden);
    req.log.info({ version: res.doc.version, by: p.actor }, 'goals changed');
    return metrics.goals(teamFor(p, undefined));
  });

  return metrics;
}
