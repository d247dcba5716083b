/** The OpenAPI 3.1 document served at /docs, built from the same zod schemas that validate requests. */
import { z } from 'zod';
import { leadInputSchema } from '../lead-input';
import { campaignInputSchema } from '../campaigns';
import { activityBody, forecastBody, funnelQuery, goalsBody, historyQuery, listCampaignsQuery, listLeadsQuery, listRejectedQuery, listTasksQuery, lostBody, moveBody, pipelineQuery, ratesBody, repliedBody, segmentsQuery, wonBody } from './schemas';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
};
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: String(c), content: { 'application/json': { schema: errorSchema } } }]));
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
const queryParams = (schema: z.ZodObject) =>
  Object.keys(schema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
/** The paging contract of every list route (README "Paging"), on its two query parameters. */
const PAGING: Record<string, string> = {
  pageSize: 'At most this many items a page (never more). A page may hold fewer, even none, while nextPageToken is present.',
  pageToken: 'The nextPageToken of the page before, as it came: an opaque keyset cursor signed for this list and filter. Garbage, altered, out-of-range or another list\'s token: 400 with details[].path "pageToken".',
  limit: 'The older name of pageSize.',
};
/** Query parameters of a list route, with the paging contract described. */
const pagedParams = (schema: z.ZodObject) => queryParams(schema).map((p) => (PAGING[p.name] ? { ...p, description: PAGING[p.name] } : p));
const pagedOk = (item: string) => ok(`{ items: [${item}], nextPageToken? } — nextPageToken absent on the last page`);
/** An audit log route: newest first, keyset-paged by version. */
const auditLog = (summary: string, extra: object[] = []) => ({
  get: { summary: `${summary}. Newest first, paged by version.`, parameters: [...extra, ...pagedParams(historyQuery)], responses: { ...pagedOk('{ version, at, by, old, new }'), ...errors(400, 401, 403) } },
});
const ok = (description: string) => ({ '200': { description } });

export function openApiDocument(baseUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'dealflow API', version: '1', description: 'A sales pipeline run as durable Temporal workflows (SPEC §7).' },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema } },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/leads': {
        post: {
          summary: 'Create and start a lead (idempotent on id / email; one open lead per person, README "One lead per person": 409 with details [{ path: "email" }] naming the open lead for an explicit new id of a person who has one). Roles: marketing, manager, admin.',
          requestBody: body(leadInputSchema),
          responses: {
            '201': { description: '{ id, created: true, workflowId, previousLeadId? } (previousLeadId: the closed lead of the same person this new deal follows)' },
            ...ok('{ id, created: false, workflowId, reason? }: the lead already exists, or the input (without an id) IS the open — else the newest closed — lead of its email address'),
            ...errors(400, 401, 403, 409, 503),
          },
        },
        get: {
          summary: 'List leads through Temporal visibility. Reps see their own, managers their team.',
          parameters: pagedParams(listLeadsQuery),
          responses: { ...pagedOk('{ id, stage, status, owner, team, escalationLevel, value, campaign, startedAt, name, company }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/leads/{id}': {
        get: { summary: 'Lead state (SPEC §9)', parameters: idParam, responses: { ...ok('lead state'), ...errors(401, 403, 404) } },
      },
      '/v1/leads/{id}/stage': {
        post: { summary: 'Move stage (Temporal update with validator)', parameters: idParam, requestBody: body(moveBody), responses: { ...ok('moved'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/activities': {
        post: { summary: 'Log a call, email, meeting or note', parameters: idParam, requestBody: body(activityBody), responses: { ...ok('logged'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/replied': {
        post: { summary: 'The customer replied', parameters: idParam, requestBody: body(repliedBody), responses: { '202': { description: 'accepted' }, ...errors(400, 401, 403, 404) } },
      },
      '/v1/leads/{id}/won': {
        post: { summary: 'Mark won → follow_up; amount is in the lead currency and keeps its minor unit (400 naming amount)', parameters: idParam, requestBody: body(wonBody), responses: { ...ok('won'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/lost': {
        post: { summary: 'Mark lost', parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/disqualify': {
        post: { summary: 'Disqualify (not a fit)', parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/tasks': {
        get: { summary: 'Tasks by due date, earliest first (equal due times by id); assignee or team (a rep: own or their team queue queue:<team>). Paged by (due time, id).', parameters: pagedParams(listTasksQuery), responses: { ...pagedOk('task'), ...errors(400, 401, 403) } },
      },
      '/v1/tasks/{id}/complete': {
        post: { summary: 'Complete a task (counts as activity on its lead); a cancelled task is 409 task_cancelled', parameters: idParam, responses: { ...ok('the task'), ...errors(401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/qualification': {
        post: { summary: 'Record qualification answers (budget, authority, need, timeline); re-scores the lead', parameters: idParam, responses: { ...ok('lead summary'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/tasks/{id}/claim': {
        post: { summary: 'Claim a task from the team queue (rep of the team; a manager or admin names `assignee`): the lead and its other queued tasks go to the rep', parameters: idParam, responses: { ...ok('the task'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/config/thresholds': {
        get: { summary: 'Stall thresholds and escalation policy. Roles: manager, admin.', responses: { ...ok('thresholds document'), ...errors(401, 403) } },
        put: { summary: 'Change thresholds (partial; a manager only teams.<own>); versioned, audited, pushed to running leads', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/thresholds/history': auditLog('Audit log of thresholds: who, when, old, new. Roles: manager, admin'),
      '/v1/config/cadences': {
        get: { summary: 'Named email cadences. Roles: marketing, admin.', responses: { ...ok('cadences document'), ...errors(401, 403) } },
        put: { summary: 'Add or replace named cadences; validated, versioned, audited', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/cadences/history': auditLog('Audit log of cadence changes. Roles: marketing, admin'),
      '/v1/config/webhooks': {
        get: { summary: 'Per-team task webhooks (secrets masked). Roles: manager (own team), admin.', responses: { ...ok('webhooks document'), ...errors(401, 403) } },
        put: { summary: 'Set or remove team webhooks; versioned, audited', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/webhooks/history': auditLog('Audit log of team webhooks, secrets masked. Role: admin'),
      '/v1/config/roster/history': auditLog('Audit log of the roster. Role: admin'),
      '/v1/config/follow-up/history': auditLog('Audit log of the follow-up settings. Roles: manager, admin'),
      '/v1/inbound/email': {
        post: {
          security: [],
          summary: 'Inbound reply from a mail provider, signed: X-Dealflow-Signature: sha256=<HMAC of the raw body>. Matched by In-Reply-To, else by the sender address: its newest open lead, else its newest closed one.',
          responses: { '202': { description: '{ matched: { leadId, by: "in-reply-to" | "sender", reason } } or { matched: null, reason }' }, ...errors(400, 401, 403) },
        },
      },
      '/u/{token}': {
        get: { security: [], summary: 'Unsubscribe page (signed token)', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { ...ok('HTML page'), ...errors(403) } },
        post: { security: [], summary: 'RFC 8058 one-click unsubscribe', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { ...ok('unsubscribed'), ...errors(403) } },
      },
      '/v1/campaigns': {
        post: { summary: 'Create a nurture campaign (id optional; cadence must exist). Roles: marketing, admin.', requestBody: body(campaignInputSchema), responses: { '201': { description: 'created' }, ...ok('already existed'), ...errors(400, 401, 403) } },
        get: { summary: 'List campaigns, oldest first (equal creation times by id); paged by (creation time, id). Roles: marketing, admin.', parameters: pagedParams(listCampaignsQuery), responses: { ...pagedOk('campaign'), ...errors(400, 401, 403) } },
      },
      '/v1/campaigns/{id}': { get: { summary: 'A campaign with size and progress', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404) } } },
      '/v1/campaigns/{id}/history': (() => {
        const log = auditLog("Audit log of the campaign's state changes. Roles: marketing, admin", idParam);
        return { get: { ...log.get, responses: { ...log.get.responses, ...errors(404) } } };
      })(),
      '/v1/campaigns/{id}/pause': { post: { summary: 'Pause: holds the cadence emails of its leads', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/resume': { post: { summary: 'Resume: releases the held emails', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/cancel': { post: { summary: 'Cancel: ends the cadence of its leads', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/batches/{id}/rejected': {
        get: {
          summary: "A bulk batch's rejected rows, all of them, in the order read (GET /v1/batches/{id} shows the first 1000); paged by place in that append-only list. Roles: marketing, admin.",
          parameters: [...idParam, ...pagedParams(listRejectedQuery)],
          responses: { ...pagedOk('{ line, reason }'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/leads/bulk': {
        post: {
          summary: 'Bulk enrolment: a JSON array of lead inputs or text/csv (streamed; README "Importing a CSV file"). Roles: marketing, admin.',
          parameters: [
            { name: 'campaign', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'encoding', in: 'query', required: false, description: 'CSV only: the file\'s encoding (default UTF-8, or the charset of the Content-Type), e.g. windows-1252', schema: { type: 'string' } },
            { name: 'delimiter', in: 'query', required: false, description: 'CSV only: , ; tab | (or comma, semicolon, tab, pipe); default: detected from the header line', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'array', items: json(leadInputSchema) } }, 'text/csv': { schema: { type: 'string' } } } },
          responses: { '202': { description: 'the batch: { id, status, total, accepted, enrolled, started, rejected: [{ line, reason }], … }' }, ...errors(400, 401, 403, 404, 413, 415) },
        },
      },
      '/v1/batches/{id}': { get: { summary: 'Batch progress, counts and rejected rows', parameters: idParam, responses: { ...ok('batch'), ...errors(401, 403, 404) } } },
      '/v1/config/roster': { get: { summary: 'Teams, managers, reps. Roles: manager, admin.', responses: { ...ok('roster'), ...errors(401, 403) } } },
      '/v1/me': { get: { summary: 'The caller: role, scope (team or rep id) and actor name. Any role.', responses: { ...ok('me'), ...errors(401) } } },
      '/': { get: { security: [], summary: 'The web page (HTML); its files are under /assets/', responses: ok('page') } },
      '/v1/admin/metrics/rebuild': {
        post: {
          summary:
            'Recomputes every board counter and facts index entry from the per-lead facts, reports the drift (per field: expected vs stored; totals per kind: count, minor, atRisk, stalled, share, active, closed, contacted) and repairs it unless dryRun=true. Also counts the open leads visibility knows that have no facts, with their board share from their search attributes, and rewrites from the archive the facts of closed leads still on the board. Role: admin.',
          parameters: [{ name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } }],
          responses: { ...ok('{ at, repaired, leads, unreadable, totals, drift: [{ field, expected, stored }], driftCount, withoutFacts: { count, ids, board }, staleFacts: { count, ids, repaired } }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/pipeline': {
        get: {
          summary: 'The board: per stage (all seven, in order) { stage, count, values (one { currency, amount } per ISO 4217 currency, never added across currencies), converted? ({ currency, amount | null, ratesVersion, missingRates } when exchange rates are configured), stalled (escalation level ≥ 3), atRisk (level 2) } over open leads and won leads in follow_up. Roles: manager (own team), marketing, admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ stages: [{ stage, count, values: [{ currency, amount }], converted?, stalled, atRisk }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/metrics/funnel': {
        get: {
          summary: 'Funnel over [from, to) (default the last 90 days): per stage, of the leads created in the period, how many entered it and went on to a later stage, and the median finished stay; won, lost, win rate and median cycle over the leads closed in the period. Roles: manager (own team), marketing, admin.',
          parameters: queryParams(funnelQuery),
          responses: { ...ok('{ from, to, stages: [{ stage, entered, advanced, conversion, medianTimeInStageHours }], won, lost, winRate, medianCycleDays }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/metrics/segments': {
        get: {
          summary: 'Win rate, cycle length and value per segment (by = source, industry, size or team) over the leads created in [from, to). Roles: manager (own team), marketing, admin.',
          parameters: [{ name: 'by', in: 'query', required: true, schema: { type: 'string', enum: ['source', 'industry', 'size', 'team'] } }, ...queryParams(segmentsQuery).filter((p) => p.name !== 'by')],
          responses: { ...ok('{ from, to, by, segments: [{ segment, leads, won, lost, winRate, medianCycleDays, wonValues: [{ currency, amount }], averageWonValues: [{ currency, amount }], wonConverted? }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/forecast': {
        get: {
          summary: 'Weighted pipeline: per open stage and currency, value × the configured probability (rounded to the currency minor unit); totals per currency, converted totals when exchange rates are configured. Roles: manager (own team), admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ totals: [{ currency, amount }], weightedTotals, converted?, weightedConverted?, byStage: [{ stage, probability, values, weightedValues, converted?, weightedConverted? }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/config/forecast': {
        get: { summary: 'Forecast stage probabilities with their version. Roles: manager, admin.', responses: { ...ok('{ probabilities, version, updatedAt, updatedBy }'), ...errors(401, 403) } },
        put: { summary: 'Change stage probabilities (partial; each 0…1); versioned, audited. Role: admin.', requestBody: body(forecastBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/forecast/history': auditLog('Audit log of forecast probability changes. Roles: manager, admin'),
      '/v1/config/rates': {
        get: { summary: 'Exchange rates for converted totals with their version (version 0: none configured). Roles: manager, marketing, admin.', responses: { ...ok('{ base, rates, version, updatedAt, updatedBy }'), ...errors(401, 403) } },
        put: { summary: 'Replace the exchange rates: base (ISO 4217) and, per currency, the price of one unit in base; validated (field paths), versioned, audited. Role: admin.', requestBody: body(ratesBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/rates/history': auditLog('Audit log of exchange-rate changes. Roles: manager, marketing, admin'),
      '/v1/goals': {
        get: {
          summary: 'Goals per team and period (YYYY, YYYY-Qn, YYYY-MM) with actual and progress; metrics newCustomers, wonValue, leadsContacted. Roles: manager (own team), admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ version, updatedAt, updatedBy, goals: [{ team, period, metric, target, currency? (wonValue), actual, progress, wonInOtherCurrencies? }] }'), ...errors(400, 401, 403) },
        },
        put: {
          summary: 'Set goals: each replaces the one with the same (team, period, metric, currency); target null removes it; a wonValue goal names its ISO 4217 currency. A manager only for their own team. Validated, versioned, audited.',
          requestBody: body(goalsBody),
          responses: { ...ok('the goals as GET returns them'), ...errors(400, 401, 403) },
        },
      },
      '/v1/goals/history': auditLog("Audit log of goal changes; a manager sees their team's (a page may then hold fewer entries). Roles: manager, admin"),
      '/metrics': { get: { security: [], summary: 'Prometheus metrics: HTTP requests by route pattern, process metrics, leads per team and stage, their value per team, stage and currency', responses: ok('text/plain; version=0.0.4') } },
      '/healthz': { get: { security: [], summary: 'Liveness', responses: ok('ok') } },
      '/readyz': { get: { security: [], summary: 'Readiness: Temporal and Redis', responses: { ...ok('ready'), '503': { description: 'a dependency is down' } } } },
    },
  };
}
