/** The OpenAPI 3.1 document served at /docs, built from the same zod schemas that validate requests. */
import { z } from 'zod';
import { leadInputSchema } from '../lead-input';
import { campaignInputSchema } from '../campaigns';
import { activityBody, forecastBody, funnelQuery, goalsBody, listLeadsQuery, listTasksQuery, lostBody, moveBody, pipelineQuery, repliedBody, segmentsQuery, wonBody } from './schemas';

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
          parameters: queryParams(listLeadsQuery),
          responses: { ...ok('{ items, nextPageToken }'), ...errors(400, 401, 403) },
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
        post: { summary: 'Mark won → follow_up', parameters: idParam, requestBody: body(wonBody), responses: { ...ok('won'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/lost': {
        post: { summary: 'Mark lost', parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/disqualify': {
        post: { summary: 'Disqualify (not a fit)', parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/tasks': {
        get: { summary: 'Tasks by due date (assignee or team)', parameters: queryParams(listTasksQuery), responses: { ...ok('{ items, nextPageToken }'), ...errors(400, 401, 403) } },
      },
      '/v1/tasks/{id}/complete': {
        post: { summary: 'Complete a task (counts as activity on its lead)', parameters: idParam, responses: { ...ok('the task'), ...errors(401, 403, 404) } },
      },
      '/v1/leads/{id}/qualification': {
        post: { summary: 'Record qualification answers (budget, authority, need, timeline); re-scores the lead', parameters: idParam, responses: { ...ok('lead summary'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/tasks/{id}/claim': {
        post: { summary: 'Claim a task from the team queue (rep of the team; a manager names `assignee`)', parameters: idParam, responses: { ...ok('the task'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/config/thresholds': {
        get: { summary: 'Stall thresholds and escalation policy. Roles: manager, admin.', responses: { ...ok('thresholds document'), ...errors(401, 403) } },
        put: { summary: 'Change thresholds (partial; a manager only teams.<own>); versioned, audited, pushed to running leads', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/thresholds/history': { get: { summary: 'Audit log: who, when, old, new', responses: { ...ok('{ items }'), ...errors(401, 403) } } },
      '/v1/config/cadences': {
        get: { summary: 'Named email cadences. Roles: marketing, admin.', responses: { ...ok('cadences document'), ...errors(401, 403) } },
        put: { summary: 'Add or replace named cadences; validated, versioned, audited', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/cadences/history': { get: { summary: 'Audit log of cadence changes', responses: { ...ok('{ items }'), ...errors(401, 403) } } },
      '/v1/config/webhooks': {
        get: { summary: 'Per-team task webhooks (secrets masked). Roles: manager (own team), admin.', responses: { ...ok('webhooks document'), ...errors(401, 403) } },
        put: { summary: 'Set or remove team webhooks; versioned, audited', responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
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
        get: { summary: 'List campaigns. Roles: marketing, admin.', responses: { ...ok('{ items }'), ...errors(401, 403) } },
      },
      '/v1/campaigns/{id}': { get: { summary: 'A campaign with size and progress', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404) } } },
      '/v1/campaigns/{id}/history': { get: { summary: "Audit log of the campaign's state changes", parameters: idParam, responses: { ...ok('{ items }'), ...errors(401, 403, 404) } } },
      '/v1/campaigns/{id}/pause': { post: { summary: 'Pause: holds the cadence emails of its leads', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/resume': { post: { summary: 'Resume: releases the held emails', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/cancel': { post: { summary: 'Cancel: ends the cadence of its leads', parameters: idParam, responses: { ...ok('campaign'), ...errors(401, 403, 404, 409) } } },
      '/v1/leads/bulk': {
        post: {
          summary: 'Bulk enrolment: a JSON array of lead inputs or text/csv (streamed). Roles: marketing, admin.',
          parameters: [{ name: 'campaign', in: 'query', required: false, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'array', items: json(leadInputSchema) } }, 'text/csv': { schema: { type: 'string' } } } },
          responses: { '202': { description: 'the batch: { id, status, total, accepted, enrolled, started, rejected: [{ line, reason }], … }' }, ...errors(400, 401, 403, 404, 413, 415) },
        },
      },
      '/v1/batches/{id}': { get: { summary: 'Batch progress, counts and rejected rows', parameters: idParam, responses: { ...ok('batch'), ...errors(401, 403, 404) } } },
      '/v1/config/roster': { get: { summary: 'Teams, managers, reps. Roles: manager, admin.', responses: { ...ok('roster'), ...errors(401, 403) } } },
      '/v1/me': { get: { summary: 'The caller: role, scope (team or rep id) and actor name. Any role.', responses: { ...ok('me'), ...errors(401) } } },
      '/': { get: { security: [], summary: 'The web page (HTML); its files are under /assets/', responses: ok('page') } },
      '/v1/pipeline': {
        get: {
          summary: 'The board: per stage (all seven, in order) { stage, count, value, stalled (escalation level ≥ 3), atRisk (level 2) } over open leads and won leads in follow_up. Roles: manager (own team), marketing, admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ stages: [{ stage, count, value, stalled, atRisk }] }'), ...errors(400, 401, 403) },
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
          responses: { ...ok('{ from, to, by, segments: [{ segment, leads, won, lost, winRate, medianCycleDays, wonValue, averageWonValue }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/forecast': {
        get: {
          summary: 'Weighted pipeline: per open stage, value × the configured probability. Roles: manager (own team), admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ total, weighted, byStage: [{ stage, value, probability, weighted }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/config/forecast': {
        get: { summary: 'Forecast stage probabilities with their version. Roles: manager, admin.', responses: { ...ok('{ probabilities, version, updatedAt, updatedBy }'), ...errors(401, 403) } },
        put: { summary: 'Change stage probabilities (partial; each 0…1); versioned, audited. Role: admin.', requestBody: body(forecastBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/forecast/history': { get: { summary: 'Audit log of forecast probability changes', responses: { ...ok('{ items }'), ...errors(401, 403) } } },
      '/v1/goals': {
        get: {
          summary: 'Goals per team and period (YYYY, YYYY-Qn, YYYY-MM) with actual and progress; metrics newCustomers, wonValue, leadsContacted. Roles: manager (own team), admin.',
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ version, updatedAt, updatedBy, goals: [{ team, period, metric, target, actual, progress }] }'), ...errors(400, 401, 403) },
        },
        put: {
          summary: 'Set goals: each replaces the one with the same (team, period, metric); target null removes it. A manager only for their own team. Validated, versioned, audited.',
          requestBody: body(goalsBody),
          responses: { ...ok('the goals as GET returns them'), ...errors(400, 401, 403) },
        },
      },
      '/v1/goals/history': { get: { summary: 'Audit log of goal changes (a manager sees their team\'s)', responses: { ...ok('{ items }'), ...errors(401, 403) } } },
      '/metrics': { get: { security: [], summary: 'Prometheus metrics: HTTP requests by route pattern, process metrics, leads per team and stage', responses: ok('text/plain; version=0.0.4') } },
      '/healthz': { get: { security: [], summary: 'Liveness', responses: ok('ok') } },
      '/readyz': { get: { security: [], summary: 'Readiness: Temporal and Redis', responses: { ...ok('ready'), '503': { description: 'a dependency is down' } } } },
    },
  };
}
