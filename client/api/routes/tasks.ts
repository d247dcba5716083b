/** /v1/tasks: a rep's inbox by due date, a manager's team view, completing a task. */
import type { FastifyInstance } from 'fastify';
import { ForbiddenError, NotFoundError } from '../../errors';
import { parseOrThrow } from '../../lead-input';
import { listTasksQuery, taskIdParam } from '../schemas';
import { who, type ApiDeps } from '../server';
import type { Principal } from '../auth';
import type { Task } from '../../../activities/tasks/task';

export function registerTaskRoutes(app: FastifyInstance, { tasks, leads, roster }: ApiDeps): void {
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
      if (team) throw new ForbiddenError('a rep lists tasks by assignee');
      assignee = p.scope;
    } else if (p.role === 'manager') {
      if (assignee && teamOf(assignee) !== p.scope) throw new ForbiddenError(`${assignee} is not in team ${p.scope}`);
      if (team && team !== p.scope) throw new ForbiddenError('a manager may list only their own team');
      if (!assignee) team = p.scope;
    } else if (!assignee && !team) {
      throw new ForbiddenError('name an assignee or a team');
    }
    return tasks.list({ assignee, team, status: q.status ?? 'open', limit: q.pageSize, cursor: q.pageToken });
  });

  app.post('/v1/tasks/:id/complete', async (req) => {
    const p = who(req);
    const { id } = parseOrThrow(taskIdParam, req.params, 'path');
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError(`task ${id} not found`);
    if (!mayHandle(p, t)) throw new ForbiddenError(`${p.actor} may not complete task ${id}`);
    const res = await leads.completeTask(id, p.actor);
    return res.task;
  });
}
