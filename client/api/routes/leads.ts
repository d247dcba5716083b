/** /v1/leads: create, read, list, move, log, replied, won, lost, disqualify. */
import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../../../store/request-errors';
import { AddressTakenError } from '../../../store/start-lead';
import { assertCanAct, assertCanView, requireRole, type Principal } from '../auth';
import {
  activityBody,
  leadIdParam,
  listLeadsQuery,
  lostBody,
  moveBody,
  noQuery,
  repliedBody,
  timelineQuery,
  wonBody,
} from '../schemas';
import { leadInputSchema } from '../../lead-input';
import { allow, op, validatedInHandler } from '../openapi';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { who, type ApiDeps } from '../context';
import { pageOf } from '../page-token';
import type { ActivityType } from '../../../config/defaults';
import { timelinePage } from '../../timeline';
import { TimelineStore } from '../../../store/timeline/timeline-store';

const pick = <T>(teams: Record<string, T> | undefined, team: string): Record<string, T> =>
  teams?.[team] ? { [team]: teams[team] } : {};

export function registerLeadRoutes(fastify: FastifyInstance, { leads, config, roster, redis }: ApiDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const timelines = new TimelineStore(redis, config.REDIS_PREFIX);
  const onLead = {
    access: allow('all', 'none', 'team', 'own', { pathId: 'lead' }),
    params: leadIdParam,
    query: noQuery,
  };
  /** Checks the lead exists (404) and the caller may act on it (403); the change itself then says 409. */
  const actable = async (p: Principal, id: string) => {
    assertCanAct(p, await leads.ownership(id));
  };

  const createSchema = op({
    summary:
      'Create and start a lead (idempotent on id / email; one open lead per person, README "One lead per person": 409 with details [{ path: "email" }] naming the open lead for an explicit new id of a person who has one). Roles: marketing, manager (own team), admin.',
    access: allow('all', 'all', 'team', 'none', { scopeBody: true }),
    query: noQuery,
    // validated by leads.prepare (the roster decides team and owner), after the caller's role
    body: validatedInHandler(leadInputSchema),
    ok: {
      201: '{ id, created: true, workflowId, previousLeadId? } (previousLeadId: the closed lead of the same person this new deal follows)',
      200: '{ id, created: false, workflowId, reason? }: the lead already exists, or the input (without an id) IS the open — else the newest closed — lead of its email address',
    },
    errors: [409, 503],
  });
  app.post('/v1/leads', { schema: createSchema }, async (req, reply) => {
    const p = who(req);
    requireRole(p, ['marketing', 'manager', 'admin']);
    const input = await leads.prepare(req.body);
    if (p.role === 'manager' && input.team !== p.scope) {
      throw new ForbiddenError(`a manager of ${p.scope} may not create leads for team ${input.team}`);
    }
    // the person's lead (README "One lead per person") may belong to another team: its id is not
    // a manager's to see
    const outsideScope = async (id: string) => p.role === 'manager' && (await leads.ownership(id)).team !== p.scope;
    const forbidden = () => new ForbiddenError(`this person already has a lead outside team ${p.scope}`);
    let res: Awaited<ReturnType<typeof leads.start>>;
    try {
      res = await leads.start(input, p.actor, `created by ${p.actor} via API`);
    } catch (err) {
      if (err instanceof AddressTakenError && (await outsideScope(err.openLeadId))) throw forbidden();
      throw err;
    }
    // an existing lead answered instead (same id or address): only to a caller who may see it
    if (!res.created && (await outsideScope(res.id))) throw forbidden();
    return reply.status(res.created ? 201 : 200).send({
      id: res.id,
      created: res.created,
      workflowId: `lead-${res.id}`,
      ...(res.previousLeadId ? { previousLeadId: res.previousLeadId } : {}),
      ...(res.reason ? { reason: res.reason } : {}),
    });
  });

  const listSchema = op({
    summary:
      'List leads through Temporal visibility. Reps see their own, managers their team. Paged (README "Paging"): { items: [{ id, stage, status, owner, team, escalationLevel, value, campaign, startedAt, name, company }], nextPageToken? }, with total when count=true.',
    access: allow('all', 'all', 'team', 'own', { scopeQuery: { team: 'team', rep: 'owner' } }),
    query: listLeadsQuery,
  });
  app.get('/v1/leads', { schema: listSchema }, async (req) => {
    const p = who(req);
    const q = { ...req.query };
    if (p.role === 'rep') {
      if (q.owner && q.owner !== p.scope) throw new ForbiddenError('a rep may list only their own leads');
      if (q.team && q.team !== roster().teamOfRep(p.scope!))
        throw new ForbiddenError(`${p.scope} is not a rep of team ${q.team}`);
      q.owner = p.scope;
    }
    if (p.role === 'manager') {
      if (q.team && q.team !== p.scope) throw new ForbiddenError('a manager may list only their own team');
      if (q.owner && roster().teamOfRep(q.owner) !== p.scope)
        throw new ForbiddenError(`${q.owner} is not a rep of team ${p.scope}`);
      q.team = p.scope;
    }
    const { count, pageToken, pageSize, ...filter } = q;
    // the token is bound to the caller's effective filter (a rep's owner, a manager's team)
    const list = JSON.stringify([
      'leads',
      filter.stage ?? null,
      filter.owner ?? null,
      filter.team ?? null,
      filter.status ?? null,
      filter.stalled ?? null,
      filter.campaign ?? null,
    ]);
    const page = await pageOf(config.SIGNING_SECRET, list, pageToken, (cursor) =>
      leads.list({ ...filter, pageSize, pageToken: cursor }),
    );
    return count ? { ...page, total: await leads.countMatching(filter) } : page;
  });

  app.get(
    '/v1/leads/:id',
    {
      schema: op({
        ...onLead,
        access: allow('all', 'all', 'team', 'own', { pathId: 'lead' }),
        summary: 'The lead: its state, timeline, emails and tasks',
        errors: [404],
      }),
    },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const lead = await leads.getWithTasks(id);
      assertCanView(p, lead);
      // the thresholds the lead runs under: the global ones and its own team's, not other teams' overrides
      if (p.role !== 'admin' && lead.thresholds)
        return { ...lead, thresholds: { ...lead.thresholds, teams: pick(lead.thresholds.teams, lead.team) } };
      return lead;
    },
  );

  /** The lead's whole timeline, oldest → newest, paged (README "A lead's timeline"); running or closed. */
  const timelineSchema = op({
    ...onLead,
    access: allow('all', 'all', 'team', 'own', { pathId: 'lead' }),
    query: timelineQuery,
    summary:
      "The lead's whole timeline, oldest → newest (running or closed, whatever its length); each entry has its seq. total = entries in all; droppedBefore (first page) = oldest entries an older version dropped",
    ok: {
      200: '{ items: [{ seq, at, type, actor, cause, from?, to?, data? }], nextPageToken?, total, droppedBefore? }',
    },
    errors: [404],
  });
  app.get('/v1/leads/:id/timeline', { schema: timelineSchema }, async (req) => {
    const p = who(req);
    const { id } = req.params;
    const q = req.query;
    const state = await leads.get(id);
    assertCanView(p, state);
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['timeline', id]), q.pageToken, (cursor) =>
      timelinePage(timelines, state, cursor, q.pageSize ?? 200),
    );
  });

  app.post(
    '/v1/leads/:id/stage',
    {
      schema: op({
        ...onLead,
        summary: 'Move stage (Temporal update with validator)',
        body: moveBody,
        ok: { 200: 'moved' },
        errors: [404, 409],
      }),
    },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      return leads.move(id, body.to, p.actor, body.note, p);
    },
  );

  app.post(
    '/v1/leads/:id/activities',
    {
      schema: op({
        ...onLead,
        summary: 'Log a call, email, meeting or note',
        body: activityBody,
        ok: { 200: 'logged' },
        errors: [404, 409],
      }),
    },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      return leads.logActivity(id, body.type as ActivityType, p.actor, body.note, p);
    },
  );

  app.post(
    '/v1/leads/:id/replied',
    {
      schema: op({
        ...onLead,
        summary: 'The customer replied',
        body: repliedBody,
        ok: { 202: '{ id, accepted: true }' },
        errors: [404],
      }),
    },
    async (req, reply) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      await actable(p, id);
      await leads.replied(id, { actor: p.actor, via: 'api', note: body.note });
      return reply.status(202).send({ id, accepted: true });
    },
  );

  app.post(
    '/v1/leads/:id/won',
    {
      schema: op({
        ...onLead,
        summary: 'Mark won → follow_up; amount is in the lead currency and keeps its minor unit (400 naming amount)',
        body: wonBody,
        ok: { 200: 'won' },
        errors: [404, 409],
      }),
    },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      return leads.won(id, p.actor, body.amount, body.note, p);
    },
  );

  app.post(
    '/v1/leads/:id/lost',
    { schema: op({ ...onLead, summary: 'Mark lost', body: lostBody, ok: { 200: 'lost' }, errors: [404, 409] }) },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      return leads.lost(id, p.actor, body.reason, p);
    },
  );

  /** Not a fit (README "What happens to a lead" status `disqualified`): closes the deal like `lost`, counted apart from it in win rates. */
  app.post(
    '/v1/leads/:id/disqualify',
    {
      schema: op({
        ...onLead,
        summary: 'Disqualify (not a fit): closes the deal like lost, counted apart from it in win rates',
        body: lostBody,
        ok: { 200: 'disqualified' },
        errors: [404, 409],
      }),
    },
    async (req) => {
      const p = who(req);
      const { id } = req.params;
      const body = req.body;
      return leads.disqualify(id, p.actor, body.reason, p);
    },
  );
}
