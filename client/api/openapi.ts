/**
 * The OpenAPI 3.1 document served at /docs, built from the same zod schemas that validate requests.
 * Every operation carries its access rule as `x-dealflow-access` (the access matrix of README
 * "HTTP API"): test/client/api/access-matrix.test.ts calls every route with every role and fails on
 * any access wider than this, and on any registered route that is not in this document.
 */
import { z } from 'zod';
import type { Role } from '../../config/env';
import { rosterSchema } from '../../config/roster';
import { leadInputSchema } from '../lead-input';
import { campaignInputSchema } from '../campaigns';
import { HTTP_STATUS } from './errors';
import {
  activityBody,
  answerBody,
  claimBody,
  followUpBody,
  forecastBody,
  funnelQuery,
  goalsBody,
  historyQuery,
  timelineQuery,
  inboundBody,
  listCampaignsQuery,
  listLeadsQuery,
  listRejectedQuery,
  listTasksQuery,
  lostBody,
  moveBody,
  npsQuery,
  pipelineQuery,
  qualificationBody,
  ratesBody,
  repliedBody,
  segmentsQuery,
  webhooksPutSchema,
  wonBody,
} from './schemas';

/**
 * How far a role reaches on one operation: `all` (every team), `team` (a manager's own team; a rep:
 * the tasks of their team's queue), `own` (a rep's own leads and tasks), `none` (403).
 */
export type Reach = 'all' | 'team' | 'own' | 'none';

export interface Access {
  /** `key`: an API key and the roles below; `token`: the signed token in the path; `signature`: an HMAC of the body; `public`: nobody is checked */
  auth: 'key' | 'token' | 'signature' | 'public';
  roles?: Record<Role, Reach>;
  /** what the `{id}` in the path names (a lead or task decides the caller's scope; campaigns and batches are not team-scoped) */
  pathId?: 'lead' | 'task' | 'queue-task' | 'campaign' | 'batch';
  /** a report or list narrowed by these query parameters: a scoped caller gets their own team/rep without them, a 403 naming another */
  scopeQuery?: { team: string; rep?: string };
  /** a write whose body names the teams it changes: a manager only their own team, a 403 for any other or a company-wide part */
  scopeBody?: true;
  /** a team-keyed document or audit log: a manager sees only their own team's part */
  filtered?: true;
  /** why the query string is not checked (pages opened from a browser or an email link); every other route answers 400 to an unknown parameter */
  queryIgnored?: string;
  /** why the body is not checked (RFC 8058 one-click) */
  bodyIgnored?: string;
}

const who = (admin: Reach, marketing: Reach, manager: Reach, rep: Reach, more: Omit<Access, 'auth' | 'roles'> = {}): { 'x-dealflow-access': Access } => ({
  'x-dealflow-access': { auth: 'key', roles: { admin, marketing, manager, rep }, ...more },
});
const unkeyed = (auth: Exclude<Access['auth'], 'key'>, more: Omit<Access, 'auth' | 'roles'> = {}): { 'x-dealflow-access': Access } => ({ 'x-dealflow-access': { auth, ...more } });
const ADMIN = who('all', 'none', 'none', 'none');
const MARKETING = who('all', 'all', 'none', 'none');
const FROM_BROWSER = 'a page opened in a browser or from an email (link trackers may add parameters); it reads no query';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      // the error vocabulary (docs/ERRORS.md): every code the API answers
      properties: { code: { type: 'string', enum: Object.keys(HTTP_STATUS) }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
};
/** The codes answered with an HTTP status (docs/ERRORS.md). */
const codesOf = (status: number) => (Object.keys(HTTP_STATUS) as (keyof typeof HTTP_STATUS)[]).filter((c) => HTTP_STATUS[c] === status);
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((c) => [String(c), { description: `${c}: error.code ${codesOf(c).join(' | ')}`, content: { 'application/json': { schema: errorSchema } } }]),
  );
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
const queryParams = (schema: z.ZodObject) =>
  Object.keys(schema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }));
const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
const tokenParam = [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }];
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
const auditLog = (summary: string, access: { 'x-dealflow-access': Access }, extra: object[] = []) => ({
  get: { summary: `${summary}. Newest first, paged by version.`, ...access, parameters: [...extra, ...pagedParams(historyQuery)], responses: { ...pagedOk('{ version, at, by, old, new }'), ...errors(400, 401, 403) } },
});
/** a body that must be empty (or absent): any field is a 400 naming it */
const emptyBody = { required: false, content: { 'application/json': { schema: { type: 'object', additionalProperties: false } } } };
const ok = (description: string) => ({ '200': { description } });

export function openApiDocument(baseUrl: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'dealflow API', version: '1', description: 'A sales pipeline run as durable Temporal workflows. Each operation\'s `x-dealflow-access` says who may call it and how far they reach (README "HTTP API").' },
    servers: [{ url: baseUrl }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } }, schemas: { Error: errorSchema } },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/leads': {
        post: {
          summary: 'Create and start a lead (idempotent on id / email; one open lead per person, README "One lead per person": 409 with details [{ path: "email" }] naming the open lead for an explicit new id of a person who has one). Roles: marketing, manager (own team), admin.',
          ...who('all', 'all', 'team', 'none', { scopeBody: true }),
          requestBody: body(leadInputSchema),
          responses: {
            '201': { description: '{ id, created: true, workflowId, previousLeadId? } (previousLeadId: the closed lead of the same person this new deal follows)' },
            ...ok('{ id, created: false, workflowId, reason? }: the lead already exists, or the input (without an id) IS the open — else the newest closed — lead of its email address'),
            ...errors(400, 401, 403, 409, 503),
          },
        },
        get: {
          summary: 'List leads through Temporal visibility. Reps see their own, managers their team.',
          ...who('all', 'all', 'team', 'own', { scopeQuery: { team: 'team', rep: 'owner' } }),
          parameters: pagedParams(listLeadsQuery),
          responses: { ...pagedOk('{ id, stage, status, owner, team, escalationLevel, value, campaign, startedAt, name, company }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/leads/{id}': {
        get: { summary: 'The lead: its state, timeline, emails and tasks', ...who('all', 'all', 'team', 'own', { pathId: 'lead' }), parameters: idParam, responses: { ...ok('lead state'), ...errors(401, 403, 404) } },
      },
      '/v1/leads/{id}/timeline': {
        get: {
          summary: "The lead's whole timeline, oldest → newest (running or closed, whatever its length); each entry has its seq. total = entries in all; droppedBefore (first page) = oldest entries an older version dropped",
          ...who('all', 'all', 'team', 'own', { pathId: 'lead' }),
          parameters: [...idParam, ...pagedParams(timelineQuery)],
          responses: { ...pagedOk('{ seq, at, type, actor, cause, from?, to?, data? }'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/leads/{id}/stage': {
        post: { summary: 'Move stage (Temporal update with validator)', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(moveBody), responses: { ...ok('moved'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/activities': {
        post: { summary: 'Log a call, email, meeting or note', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(activityBody), responses: { ...ok('logged'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/replied': {
        post: { summary: 'The customer replied', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(repliedBody), responses: { '202': { description: 'accepted' }, ...errors(400, 401, 403, 404) } },
      },
      '/v1/leads/{id}/won': {
        post: { summary: 'Mark won → follow_up; amount is in the lead currency and keeps its minor unit (400 naming amount)', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(wonBody), responses: { ...ok('won'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/lost': {
        post: { summary: 'Mark lost', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/disqualify': {
        post: { summary: 'Disqualify (not a fit)', ...who('all', 'none', 'team', 'own', { pathId: 'lead' }), parameters: idParam, requestBody: body(lostBody), responses: { ...ok('lost'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/leads/{id}/qualification': {
        post: {
          summary: 'Record qualification answers (budget, authority, need, timeline); re-scores the lead',
          ...who('all', 'none', 'team', 'own', { pathId: 'lead' }),
          parameters: idParam,
          requestBody: body(qualificationBody),
          responses: { ...ok('lead summary'), ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/v1/tasks': {
        get: {
          summary: 'Tasks by due date, earliest first (equal due times by id); assignee or team (a rep: own or their team queue queue:<team>); not marketing. Paged by (due time, id).',
          ...who('all', 'none', 'team', 'own', { scopeQuery: { team: 'team', rep: 'assignee' } }),
          parameters: pagedParams(listTasksQuery),
          responses: { ...pagedOk('task'), ...errors(400, 401, 403) },
        },
      },
      '/v1/tasks/{id}/complete': {
        post: { summary: 'Complete a task (counts as activity on its lead); a cancelled task is 409 task_cancelled', ...who('all', 'none', 'team', 'own', { pathId: 'task' }), parameters: idParam, requestBody: emptyBody, responses: { ...ok('the task'), ...errors(400, 401, 403, 404, 409) } },
      },
      '/v1/tasks/{id}/claim': {
        post: {
          summary: 'Claim a task from the team queue (rep of the team; a manager or admin names `assignee`): the lead and its other queued tasks go to the rep',
          ...who('all', 'none', 'team', 'team', { pathId: 'queue-task' }),
          parameters: idParam,
          requestBody: body(claimBody),
          responses: { ...ok('the task'), ...errors(400, 401, 403, 404, 409) },
        },
      },
      '/v1/config/thresholds': {
        get: { summary: "Stall thresholds and escalation policy; a manager sees the global part and their own team's overrides. Roles: manager, admin.", ...who('all', 'none', 'team', 'none', { filtered: true }), responses: { ...ok('thresholds document'), ...errors(400, 401, 403) } },
        put: {
          summary: 'Change thresholds (partial; a manager only teams.<own>); versioned, audited, pushed to running leads',
          ...who('all', 'none', 'team', 'none', { scopeBody: true }),
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { global: { type: 'object' }, teams: { type: 'object' }, escalation: { type: 'object' } }, additionalProperties: false } } } },
          responses: { ...ok('the new document'), ...errors(400, 401, 403) },
        },
      },
      '/v1/config/thresholds/history': auditLog("Audit log of thresholds: who, when, old, new; a manager sees the global part and their own team's (a page may then hold fewer entries). Roles: manager, admin", who('all', 'none', 'team', 'none', { filtered: true })),
      '/v1/config/cadences': {
        get: { summary: 'Named email cadences. Roles: marketing, admin.', ...MARKETING, responses: { ...ok('cadences document'), ...errors(400, 401, 403) } },
        put: {
          summary: 'Add or replace named cadences; validated, versioned, audited',
          ...MARKETING,
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { cadences: { type: 'object' }, version: { type: 'integer' } }, required: ['cadences'], additionalProperties: false } } } },
          responses: { ...ok('the new document'), ...errors(400, 401, 403) },
        },
      },
      '/v1/config/cadences/history': auditLog('Audit log of cadence changes. Roles: marketing, admin', MARKETING),
      '/v1/config/webhooks': {
        get: { summary: 'Per-team task webhooks (secrets masked). Roles: manager (own team), admin.', ...who('all', 'none', 'team', 'none', { filtered: true }), responses: { ...ok('webhooks document'), ...errors(400, 401, 403) } },
        put: { summary: 'Set or remove team webhooks; versioned, audited', ...who('all', 'none', 'team', 'none', { scopeBody: true }), requestBody: body(webhooksPutSchema), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/webhooks/history': auditLog('Audit log of team webhooks, secrets masked. Role: admin', ADMIN),
      '/v1/config/roster': {
        get: { summary: 'Teams, managers, reps; a manager sees their own team. Roles: manager, admin.', ...who('all', 'none', 'team', 'none', { filtered: true }), responses: { ...ok('roster'), ...errors(400, 401, 403) } },
        put: { summary: 'Replace the roster (validated, versioned, audited); every process follows. Role: admin.', ...ADMIN, requestBody: body(rosterSchema), responses: { ...ok('the new roster'), ...errors(400, 401, 403) } },
      },
      '/v1/config/roster/history': auditLog('Audit log of the roster. Role: admin', ADMIN),
      '/v1/config/follow-up': {
        get: { summary: 'Follow-up timings (thank-you, survey, reminder, check-ins, detractor SLA). Roles: manager, admin.', ...who('all', 'none', 'all', 'none'), responses: { ...ok('follow-up document'), ...errors(400, 401, 403) } },
        put: { summary: 'Change follow-up timings (company-wide); validated, versioned, audited. Role: admin.', ...ADMIN, requestBody: body(followUpBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/follow-up/history': auditLog('Audit log of the follow-up settings. Roles: manager, admin', who('all', 'none', 'all', 'none')),
      '/v1/inbound/email': {
        post: {
          security: [],
          summary: 'Inbound reply from a mail provider, signed with its time: X-Dealflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">, refused outside INBOUND_SIGNATURE_TOLERANCE_SECONDS (401 signature_expired). Matched by In-Reply-To, else by the sender address: its newest open lead, else its newest closed one.',
          ...unkeyed('signature'),
          requestBody: body(inboundBody),
          responses: { '202': { description: '{ matched: { leadId, by: "in-reply-to" | "sender", reason } } or { matched: null, reason }' }, ...errors(400, 401, 403) },
        },
      },
      '/u/{token}': {
        get: { security: [], summary: 'Unsubscribe page (signed token)', ...unkeyed('token', { queryIgnored: FROM_BROWSER }), parameters: tokenParam, responses: { ...ok('HTML page'), ...errors(403) } },
        post: {
          security: [],
          summary: 'RFC 8058 one-click unsubscribe',
          ...unkeyed('token', { queryIgnored: FROM_BROWSER, bodyIgnored: 'RFC 8058: the signed URL is the request; a mail provider posts List-Unsubscribe=One-Click as a form' }),
          parameters: tokenParam,
          responses: { ...ok('unsubscribed'), ...errors(403) },
        },
      },
      '/s/{token}': {
        get: { security: [], summary: 'Survey page (signed, expiring, single-use token)', ...unkeyed('token', { queryIgnored: FROM_BROWSER }), parameters: tokenParam, responses: { ...ok('HTML page'), ...errors(403, 404) } },
        post: {
          security: [],
          summary: 'Survey answer, once (JSON or the page form): score 0–10, comment',
          ...unkeyed('token', { queryIgnored: FROM_BROWSER }),
          parameters: tokenParam,
          requestBody: body(answerBody),
          responses: { ...ok('recorded'), ...errors(400, 403, 404, 409) },
        },
      },
      '/v1/campaigns': {
        post: { summary: 'Create a nurture campaign (id optional; cadence must exist). Roles: marketing, admin.', ...MARKETING, requestBody: body(campaignInputSchema), responses: { '201': { description: 'created' }, ...ok('already existed'), ...errors(400, 401, 403) } },
        get: { summary: 'List campaigns, oldest first (equal creation times by id); paged by (creation time, id). Roles: marketing, admin.', ...MARKETING, parameters: pagedParams(listCampaignsQuery), responses: { ...pagedOk('campaign'), ...errors(400, 401, 403) } },
      },
      '/v1/campaigns/{id}': { get: { summary: 'A campaign with size and progress', ...who('all', 'all', 'none', 'none', { pathId: 'campaign' }), parameters: idParam, responses: { ...ok('campaign'), ...errors(400, 401, 403, 404) } } },
      '/v1/campaigns/{id}/history': (() => {
        const log = auditLog("Audit log of the campaign's state changes. Roles: marketing, admin", who('all', 'all', 'none', 'none', { pathId: 'campaign' }), idParam);
        return { get: { ...log.get, responses: { ...log.get.responses, ...errors(404) } } };
      })(),
      '/v1/campaigns/{id}/pause': { post: { summary: 'Pause: holds the cadence emails of its leads', ...who('all', 'all', 'none', 'none', { pathId: 'campaign' }), parameters: idParam, requestBody: emptyBody, responses: { ...ok('campaign'), ...errors(400, 401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/resume': { post: { summary: 'Resume: releases the held emails', ...who('all', 'all', 'none', 'none', { pathId: 'campaign' }), parameters: idParam, requestBody: emptyBody, responses: { ...ok('campaign'), ...errors(400, 401, 403, 404, 409) } } },
      '/v1/campaigns/{id}/cancel': { post: { summary: 'Cancel: ends the cadence of its leads', ...who('all', 'all', 'none', 'none', { pathId: 'campaign' }), parameters: idParam, requestBody: emptyBody, responses: { ...ok('campaign'), ...errors(400, 401, 403, 404, 409) } } },
      '/v1/leads/bulk': {
        post: {
          summary: 'Bulk enrolment: a JSON array of lead inputs or text/csv (streamed; README "Importing a CSV file"). Roles: marketing, admin.',
          ...MARKETING,
          parameters: [
            { name: 'campaign', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'encoding', in: 'query', required: false, description: 'CSV only: the file\'s encoding (default UTF-8, or the charset of the Content-Type), e.g. windows-1252', schema: { type: 'string' } },
            { name: 'delimiter', in: 'query', required: false, description: 'CSV only: , ; tab | (or comma, semicolon, tab, pipe); default: detected from the header line', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'array', items: json(leadInputSchema) } }, 'text/csv': { schema: { type: 'string' } } } },
          responses: { '202': { description: 'the batch: { id, status, total, accepted, enrolled, started, rejected: [{ line, reason }], … }' }, ...errors(400, 401, 403, 404, 413, 415) },
        },
      },
      '/v1/batches/{id}/rejected': {
        get: {
          summary: "A bulk batch's rejected rows, all of them, in the order read (GET /v1/batches/{id} shows the first 1000); paged by place in that append-only list. Roles: marketing, admin.",
          ...who('all', 'all', 'none', 'none', { pathId: 'batch' }),
          parameters: [...idParam, ...pagedParams(listRejectedQuery)],
          responses: { ...pagedOk('{ line, reason }'), ...errors(400, 401, 403, 404) },
        },
      },
      '/v1/batches/{id}': { get: { summary: 'Batch progress, counts and rejected rows', ...who('all', 'all', 'none', 'none', { pathId: 'batch' }), parameters: idParam, responses: { ...ok('batch'), ...errors(400, 401, 403, 404) } } },
      '/v1/me': { get: { summary: 'The caller: role, scope (team or rep id) and actor name. Any role.', ...who('all', 'all', 'all', 'all'), responses: { ...ok('me'), ...errors(400, 401) } } },
      '/': { get: { security: [], summary: 'The web page (HTML); its files are under /assets/', ...unkeyed('public', { queryIgnored: FROM_BROWSER }), responses: ok('page') } },
      '/assets/{file}': {
        get: { security: [], summary: 'A file of the web page (content-hashed names are immutable)', ...unkeyed('public', { queryIgnored: FROM_BROWSER }), parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }], responses: { ...ok('the file'), '404': { description: 'no such file' } } },
      },
      '/v1/admin/metrics/rebuild': {
        post: {
          summary:
            'Recomputes every board counter and facts index entry from the per-lead facts, reports the drift (per field: expected vs stored; totals per kind: count, minor, atRisk, stalled, share, active, closed, contacted) and repairs it unless dryRun=true. Also counts the open leads visibility knows that have no facts, with their board share from their search attributes, and rewrites from the archive the facts of closed leads still on the board. Role: admin.',
          ...ADMIN,
          parameters: [{ name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } }],
          responses: { ...ok('{ at, repaired, leads, unreadable, totals, drift: [{ field, expected, stored }], driftCount, withoutFacts: { count, ids, board }, staleFacts: { count, ids, repaired } }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/pipeline': {
        get: {
          summary: 'The board: per stage (all seven, in order) { stage, count, values (one { currency, amount } per ISO 4217 currency, never added across currencies), converted? ({ currency, amount | null, ratesVersion, missingRates } when exchange rates are configured), stalled (escalation level ≥ 3), atRisk (level 2) } over open leads and won leads in follow_up. Roles: manager (own team), marketing, admin.',
          ...who('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ stages: [{ stage, count, values: [{ currency, amount }], converted?, stalled, atRisk }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/metrics/funnel': {
        get: {
          summary: 'Funnel over [from, to) (default the last 90 days): per stage, of the leads created in the period, how many entered it and went on to a later stage, and the median finished stay; won, lost, win rate and median cycle over the leads closed in the period. Roles: manager (own team), marketing, admin.',
          ...who('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: queryParams(funnelQuery),
          responses: { ...ok('{ from, to, stages: [{ stage, entered, advanced, conversion, medianTimeInStageHours }], won, lost, winRate, medianCycleDays }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/metrics/segments': {
        get: {
          summary: 'Win rate, cycle length and value per segment (by = source, industry, size or team) over the leads created in [from, to). Roles: manager (own team), marketing, admin.',
          ...who('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: [{ name: 'by', in: 'query', required: true, schema: { type: 'string', enum: ['source', 'industry', 'size', 'team'] } }, ...queryParams(segmentsQuery).filter((p) => p.name !== 'by')],
          responses: { ...ok('{ from, to, by, segments: [{ segment, leads, won, lost, winRate, medianCycleDays, wonValues: [{ currency, amount }], averageWonValues: [{ currency, amount }], wonConverted? }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/metrics/nps': {
        get: {
          summary: "NPS over the survey answers recorded in [from, to] (default: all): { team, nps (−100…100, null without answers), responses, promoters, passives, detractors, surveysSent, responseRate }. A manager's is their own team's. Roles: manager (own team), marketing, admin.",
          ...who('all', 'all', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: queryParams(npsQuery),
          responses: { ...ok('{ from, to, team, nps, responses, promoters, passives, detractors, surveysSent, responseRate }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/forecast': {
        get: {
          summary: 'Weighted pipeline: per open stage and currency, value × the configured probability (rounded to the currency minor unit); totals per currency, converted totals when exchange rates are configured. Roles: manager (own team), admin.',
          ...who('all', 'none', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ totals: [{ currency, amount }], weightedTotals, converted?, weightedConverted?, byStage: [{ stage, probability, values, weightedValues, converted?, weightedConverted? }] }'), ...errors(400, 401, 403) },
        },
      },
      '/v1/config/forecast': {
        get: { summary: 'Forecast stage probabilities with their version (company-wide). Roles: manager, admin.', ...who('all', 'none', 'all', 'none'), responses: { ...ok('{ probabilities, version, updatedAt, updatedBy }'), ...errors(400, 401, 403) } },
        put: { summary: 'Change stage probabilities (partial; each 0…1); versioned, audited. Role: admin.', ...ADMIN, requestBody: body(forecastBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/forecast/history': auditLog('Audit log of forecast probability changes. Roles: manager, admin', who('all', 'none', 'all', 'none')),
      '/v1/config/rates': {
        get: { summary: 'Exchange rates for converted totals with their version (version 0: none configured; company-wide). Roles: manager, marketing, admin.', ...who('all', 'all', 'all', 'none'), responses: { ...ok('{ base, rates, version, updatedAt, updatedBy }'), ...errors(400, 401, 403) } },
        put: { summary: 'Replace the exchange rates: base (ISO 4217) and, per currency, the price of one unit in base; validated (field paths), versioned, audited. Role: admin.', ...ADMIN, requestBody: body(ratesBody), responses: { ...ok('the new document'), ...errors(400, 401, 403) } },
      },
      '/v1/config/rates/history': auditLog('Audit log of exchange-rate changes. Roles: manager, marketing, admin', who('all', 'all', 'all', 'none')),
      '/v1/goals': {
        get: {
          summary: 'Goals per team and period (YYYY, YYYY-Qn, YYYY-MM) with actual and progress; metrics newCustomers, wonValue, leadsContacted. Roles: manager (own team), admin.',
          ...who('all', 'none', 'team', 'none', { scopeQuery: { team: 'team' } }),
          parameters: queryParams(pipelineQuery),
          responses: { ...ok('{ version, updatedAt, updatedBy, goals: [{ team, period, metric, target, currency? (wonValue), actual, progress, wonInOtherCurrencies? }] }'), ...errors(400, 401, 403) },
        },
        put: {
          summary: 'Set goals: each replaces the one with the same (team, period, metric, currency); target null removes it; a wonValue goal names its ISO 4217 currency. A manager only for their own team. Validated, versioned, audited.',
          ...who('all', 'none', 'team', 'none', { scopeBody: true }),
          requestBody: body(goalsBody),
          responses: { ...ok('the goals as GET returns them'), ...errors(400, 401, 403) },
        },
      },
      '/v1/goals/history': auditLog("Audit log of goal changes; a manager sees their team's (a page may then hold fewer entries). Roles: manager, admin", who('all', 'none', 'team', 'none', { filtered: true })),
      '/metrics': { get: { security: [], summary: 'Prometheus metrics: HTTP requests by route pattern, process metrics, leads per team and stage, their value per team, stage and currency', ...unkeyed('public'), responses: { ...ok('text/plain; version=0.0.4'), ...errors(400) } } },
      '/healthz': { get: { security: [], summary: 'Liveness', ...unkeyed('public'), responses: { ...ok('ok'), ...errors(400) } } },
      '/readyz': { get: { security: [], summary: 'Readiness: Temporal and Redis', ...unkeyed('public'), responses: { ...ok('ready'), ...errors(400), '503': { description: 'a dependency is down' } } } },
      '/docs': { get: { security: [], summary: 'This OpenAPI document', ...unkeyed('public'), responses: { ...ok('the document'), ...errors(400) } } },
      '/docs/openapi.json': { get: { security: [], summary: 'This OpenAPI document', ...unkeyed('public'), responses: { ...ok('the document'), ...errors(400) } } },
    },
  };
}

const REACH_WORDS: Record<Reach, string> = { all: 'yes', team: 'own team', own: 'own', none: '—' };

/**
 * The access matrix as a Markdown table, rendered from the `x-dealflow-access` of every operation:
 * README "HTTP API" carries it between `<!-- access-matrix -->` markers (scripts/access-matrix.ts
 * writes it; test/integration/access-matrix.test.ts fails when README and the document differ).
 */
export function accessMatrixMarkdown(): string {
  const rows = ['| route | admin | marketing | manager | rep | scope decided by |', '|---|---|---|---|---|---|'];
  for (const [path, ops] of Object.entries(openApiDocument('').paths)) {
    for (const [method, op] of Object.entries(ops as Record<string, { 'x-dealflow-access': Access }>)) {
      const a = op['x-dealflow-access'];
      const route = `\`${method.toUpperCase()} ${path}\``;
      if (a.auth !== 'key') {
        const how = { public: 'anyone', token: 'the signed token in the path', signature: 'the HMAC signature of the body' }[a.auth];
        rows.push(`| ${route} | ${how} | | | | ${a.queryIgnored ? 'query string ignored' : ''}${a.bodyIgnored ? ', body ignored (RFC 8058)' : ''} |`);
        continue;
      }
      const r = a.roles!;
      const scope = a.pathId === 'lead' || a.pathId === 'task' || a.pathId === 'queue-task'
        ? `the ${a.pathId === 'lead' ? 'lead' : 'task'}'s team / owner`
        : a.scopeQuery
          ? `\`${a.scopeQuery.team}\`${a.scopeQuery.rep ? ` / \`${a.scopeQuery.rep}\`` : ''} (default: the caller's own)`
          : a.scopeBody
            ? 'the teams named in the body'
            : a.filtered
              ? "filtered to the caller's team"
              : '';
      rows.push(`| ${route} | ${REACH_WORDS[r.admin]} | ${REACH_WORDS[r.marketing]} | ${REACH_WORDS[r.manager]} | ${REACH_WORDS[r.rep]} | ${scope} |`);
    }
  }
  return rows.join('\n');
}
