/** /v1/tasks: a rep's inbox by due date, a manager's team view, completing a task. */
import type { FastifyInstance } from 'fastify';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors';
import { parseOrThrow } from '../../lead-input';
import { claimBody, listTasksQuery, noBody, noQuery, taskIdParam } from '../schemas';
import { who, type ApiDeps } from '../server';
import { pageOf } from '../page-token';
import type { Principal } from '../auth';
import type { Task } from '../../../activities/tasks/task';

export function registerTaskRoutes(app: FastifyInstance, { tasks, leads, roster, config }: ApiDeps): void {
  const teamOf = (assignee: string): string | undefined => {
    const r = roster();
    if (assignee.startsWith('queue:')) return assignee.slice(6);
    return r.teamOfRep(assignee) ?? r.teams().find((t) => r.managerOf(t)?.id === assignee);
  };
  const mayHandle = (p: Principal, t: Task): boolean =>
    p.role === 'admin' || (p.role === 'rep' && t.assignee === p.scope) || (p.role === 'manager' && t.team === p.scope);

  app.get('/v1/tasks', async (req) => {
    const p = who(req);
    const q = parseOrThrow(listTasksQuery, req.query, 'query');
    if (p.role === 'marketing') throw new ForbiddenError('the marketing role has no tasks');
    let assignee = q.assignee;
    let team = q.team;
    if (p.role === 'rep') {
      if (assignee && assignee !== p.scope) throw new ForbiddenError('a rep may list only their own tasks');
      if (team && team !== roster().teamOfRep(p.scope!)) throw new ForbiddenError(`${p.scope} is not a rep of team ${team}`);
      assignee = p.scope; // a rep's list is their own tasks, with or without their team named
    } else if (p.role === 'manager') {
      if (assignee && teamOf(assignee) !== p.scope) throw new ForbiddenError(`${assignee} is not in team ${p.scope}`);
      if (team && team !== p.scope) throw new ForbiddenError('a manager may list only their own team');
      if (!assignee) team = p.scope;
    } else if (!assignee && !team) {
      throw new ValidationError('name an assignee or a team', [{ path: 'assignee', message: 'required (or team)' }]);
    }
    const status = q.status ?? 'open';
    const list = JSON.stringify(['tasks', assignee ?? null, assignee ? null : (team ?? null), status]);
    return pageOf(config.SIGNING_SECRET, list, q.pageToken, (cursor) => tasks.list({ assignee, team, status, limit: q.pageSize, cursor }));
  });

  /** SPEC §3: a task in the team queue (`queue:<team>`) may be claimed by any rep of that team, or its manager. */
  app.post('/v1/tasks/:id/claim', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(taskIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    const body = parseOrThrow(claimBody, req.body ?? {}, 'request body');
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError(`task ${id} not found`);
    // who may claim is decided by the task's team before its state: the wrong caller gets a 403 even
    // for a task already claimed (README "HTTP API")
    const team = t.assignee.startsWith('queue:') ? t.assignee.slice('queue:'.length) : t.team;
    if (!(p.role === 'admin' || (p.role === 'manager' && p.scope === team) || (p.role === 'rep' && roster().teamOfRep(p.scope!) === team))) {
      throw new ForbiddenError(`${p.actor} may not claim tasks of team ${team}`);
    }
    if (!t.assignee.startsWith('queue:')) throw new ConflictError(`task ${id} is not in a team queue (assigned to ${t.assignee})`);
    let to: string;
    if (p.role === 'rep') to = p.scope!;
    else {
      if (!body.assignee || roster().teamOfRep(body.assignee) !== team) throw new ValidationError('name a rep of the team', [{ path: 'assignee', message: `must be a rep of ${team}` }]);
      to = body.assignee;
    }
    if (t.status !== 'open') throw new ConflictError(`task ${id} is ${t.status}`);
    if (!(await tasks.reassign(id, to, p.actor))) throw new ConflictError(`task ${id} was claimed by someone else`);
    return tasks.get(id);
  });

  app.post('/v1/tasks/:id/complete', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(taskIdParam, req.params, 'path');
    parseOrThrow(noQuery, req.query ?? {}, 'query');
    parseOrThrow(noBody, req.body ?? {}, 'request body');
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError(`task ${id} not found`);
    if (!mayHandle(p, t)) throw new ForbiddenError(`${p.actor} may not complete task ${id}`);
    const res = await leads.completeTask(id, p.actor);
    return res.task;
  });
}
