/** /v1/leads: create, read, list, move, log, replied, won, lost, disqualify. */
import type { FastifyInstance } from 'fastify';
import { ForbiddenError } from '../../../store/request-errors';
import { AddressTakenError } from '../../../store/start-lead';
import { parseOrThrow } from '../../lead-input';
import { assertCanAct, assertCanView, requireRole, type Principal } from '../auth';
import { activityBody, leadIdParam, listLeadsQuery, lostBody, moveBody, noQuery, repliedBody, timelineQuery, wonBody } from '../schemas';
import { who, type ApiDeps } from '../context';
import { pageOf } from '../page-token';
import type { ActivityType } from '../../../config/defaults';
import { timelinePage } from '../../timeline';
import { TimelineStore } from '../../../store/timeline/timeline-store';

const pick = <T>(teams: Record<string, T> | undefined, team: string): Record<string, T> => (teams?.[team] ? { [team]: teams[team] } : {});

export function registerLeadRoutes(app: FastifyInstance, { leads, config, roster, redis }: ApiDeps): void {
  const timelines = new TimelineStore(redis, config.REDIS_PREFIX);
  /** Checks the lead exists (404) and the caller may act on it (403); the change itself then says 409. */
  const actable = async (p: Principal, id: string) => {
    assertCanAct(p, await leads.ownership(id));
  };

  app.post('/v1/leads', async (req, reply) => {
    const p = who(req);
    requireRole(p, ['marketing', 'manager', 'admin']);
    parseOrThrow(noQuery, req.query ?? {}, 'query');
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

  app.get('/v1/leads', async (req) => {
    const p = who(req);
    const q = parseOrThrow(listLeadsQuery, req.query, 'query');
    if (p.role === 'rep') {
      if (q.owner && q.owner !== p.scope) throw new ForbiddenError('a rep may list only their own leads');
      if (q.team && q.team !== roster().teamOfRep(p.scope!)) throw new ForbiddenError(`${p.scope} is not a rep of team ${q.team}`);
      q.owner = p.scope;
    }
    if (p.role === 'manager') {
      if (q.team && q.team !== p.scope) throw new ForbiddenError('a manager may list only their own team');
      if (q.owner && roster().teamOfRep(q.owner) !== p.scope) throw new ForbiddenError(`${q.owner} is not a rep of team ${p.scope}`);
      q.team = p.scope;
    }
    const { count, pageToken, pageSize, ...filter } = q;
    // the token is bound to the caller's effective filter (a rep's owner, a manager's team)
    const list = JSON.stringify(['leads', filter.stage ?? null, filter.owner ?? null, filter.team ?? null, filter.status ?? null, filter.stalled ?? null, filter.campaign ?? null]);
    const page = await pageOf(config.SIGNING_SECRET, list, pageToken, (cursor) => leads.list({ ...filter, pageSize, pageToken: cursor }));
    return count ? { ...page, total: await leads.countMatching(filter) } : page;
  });

  app.get('/v1/leads/:id', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const lead = await leads.getWithTasks(id);
    assertCanView(p, lead);
    // the thresholds the lead runs under: the global ones and its own team's, not other teams' overrides
    if (p.role !== 'admin' && lead.thresholds) return { ...lead, thresholds: { ...lead.thresholds, teams: pick(lead.thresholds.teams, lead.team) } };
    return lead;
  });

  /** The lead's whole timeline, oldest → newest, paged (README "A lead's timeline"); running or closed. */
  app.get('/v1/leads/:id/timeline', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    const q = parseOrThrow(timelineQuery, req.query ?? {}, 'query');
    const state = await leads.get(id);
    assertCanView(p, state);
    return pageOf(config.SIGNING_SECRET, JSON.stringify(['timeline', id]), q.pageToken, (cursor) => timelinePage(timelines, state, cursor, q.pageSize ?? 200));
  });

  app.post('/v1/leads/:id/stage', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(moveBody, req.body ?? {}, 'request body');
    return leads.move(id, body.to, p.actor, body.note, p);
  });

  app.post('/v1/leads/:id/activities', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(activityBody, req.body ?? {}, 'request body');
    return leads.logActivity(id, body.type as ActivityType, p.actor, body.note, p);
  });

  app.post('/v1/leads/:id/replied', async (req, reply) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(repliedBody, req.body ?? {}, 'request body');
    await actable(p, id);
    await leads.replied(id, { actor: p.actor, via: 'api', note: body.note });
    return reply.status(202).send({ id, accepted: true });
  });

  app.post('/v1/leads/:id/won', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(wonBody, req.body ?? {}, 'request body');
    return leads.won(id, p.actor, body.amount, body.note, p);
  });

  app.post('/v1/leads/:id/lost', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(lostBody, req.body ?? {}, 'request body');
    return leads.lost(id, p.actor, body.reason, p);
  });

  /** Not a fit (README "What happens to a lead" status `disqualified`): closes the deal like `lost`, counted apart from it in win rates. */
  app.post('/v1/leads/:id/disqualify', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(leadIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(lostBody, req.body ?? {}, 'request body');
    return leads.disqualify(id, p.actor, body.reason, p);
  });
}
