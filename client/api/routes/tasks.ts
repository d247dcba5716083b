/**
 * /v1/tasks: a rep's inbox by due date (and their team's queue), a manager's team view, completing
 * a task, claiming one from the team queue (which hands its lead to the rep: README "How tasks
 * reach people").
 */
import type { FastifyInstance } from 'fastify';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../../store/request-errors';
import { claimBody, listTasksQuery, noBody, noQuery, taskIdParam } from '../schemas';
import { who, type ApiDeps } from '../context';
import { allow, op, PAGING_WORDS } from '../openapi';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { pageOf } from '../page-token';
import type { Principal } from '../auth';
import type { Task } from '../../../store/tasks/task';

export function registerTaskRoutes(fastify: FastifyInstance, { tasks, leads, roster, config }: ApiDeps): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const teamOf = (assignee: string): string | undefined => {
    const r = roster();
    if (assignee.startsWith('queue:')) return assignee.slice(6);
    return r.teamOfRep(assignee) ?? r.teams().find((t) => r.managerOf(t)?.id === assignee);
  };
  /** a rep may list their own tasks and their team's queue `queue:<team>` */
  const repMayList = (p: Principal, assignee: string): boolean => {
    if (assignee === p.scope) return true;
    const team = roster().teamOfRep(p.scope!);
    return !!team && assignee === `queue:${team}`;
  };
  const mayHandle = (p: Principal, t: Task): boolean =>
    p.role === 'admin' || (p.role === 'rep' && t.assignee === p.scope) || (p.role === 'manager' && t.team === p.scope);

  const listSchema = op({
    summary: `Tasks by due date, earliest first (equal due times by id); assignee or team (a rep: own or their team queue queue:<team>); not marketing. Paged by (due time, id). ${PAGING_WORDS}`,
    access: allow('all', 'none', 'team', 'own', { scopeQuery: { team: 'team', rep: 'assignee' } }),
    query: listTasksQuery,
  });
  app.get('/v1/tasks', { schema: listSchema }, async (req) => {
    const p = who(req);
    const q = req.query;
    if (p.role === 'marketing') throw new ForbiddenError('the marketing role has no tasks');
    let assignee = q.assignee;
    let team = q.team;
    if (p.role === 'rep') {
      if (assignee && !repMayList(p, assignee))
        throw new ForbiddenError('a rep may list only their own tasks and their team queue (queue:<team>)');
      if (team && team !== roster().teamOfRep(p.scope!))
        throw new ForbiddenError(`${p.scope} is not a rep of team ${team}`);
      team = undefined; // a rep's list is their own tasks (or their team queue), with or without their team named
      assignee ??= p.scope;
    } else if (p.role === 'manager') {
      if (assignee && teamOf(assignee) !== p.scope) throw new ForbiddenError(`${assignee} is not in team ${p.scope}`);
      if (team && team !== p.scope) throw new ForbiddenError('a manager may list only their own team');
      if (!assignee) team = p.scope;
    } else if (!assignee && !team) {
      throw new ValidationError('name an assignee or a team', [{ path: 'assignee', message: 'required (or team)' }]);
    }
    const status = q.status ?? 'open';
    const list = JSON.stringify(['tasks', assignee ?? null, assignee ? null : (team ?? null), status]);
    return pageOf(config.SIGNING_SECRET, list, q.pageToken, (cursor) =>
      tasks.list({ assignee, team, status, limit: q.pageSize, cursor }),
    );
  });

  /**
   * A task in the team queue (`queue:<team>`) may be claimed by any rep of that team (for
   * themself), or by the team's manager or an admin for a rep of the team (`{ assignee }`).
   * Who may claim is checked before anything about the task is said (its assignee is never named).
   * The claim hands the lead to the rep through its workflow (owner change, recorded on the
   * timeline as "claimed task X"), together with the lead's other queued tasks; the rep can then
   * read the lead and act on it. Answers the claimed task. 409 `task_cancelled` / `conflict`: the
   * task is not open, not queued, or claimed first by someone else.
   */
  const claimSchema = op({
    summary:
      'Claim a task from the team queue (rep of the team; a manager or admin names `assignee`): the lead and its other queued tasks go to the rep. Answers the task.',
    access: allow('all', 'none', 'team', 'team', { pathId: 'queue-task' }),
    params: taskIdParam,
    query: noQuery,
    body: claimBody,
    errors: [404, 409],
  });
  app.post('/v1/tasks/:id/claim', { schema: claimSchema }, async (req) => {
    const p = who(req);
    const { id } = req.params;
    const body = req.body;
    // the role first: a role that never claims learns nothing about the task, not even that it exists
    if (p.role === 'marketing') throw new ForbiddenError('the marketing role has no tasks');
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError(`task ${id} not found`);
    // who may claim is decided by the task's team before its state: the wrong caller gets a 403 even
    // for a task already claimed, and no message names the assignee (README "HTTP API")
    const team = t.assignee.startsWith('queue:') ? t.assignee.slice('queue:'.length) : t.team;
    if (!(
      p.role === 'admin' ||
      (p.role === 'manager' && p.scope === team) ||
      (p.role === 'rep' && roster().teamOfRep(p.scope!) === team)
    )) {
      throw new ForbiddenError(`${p.actor} may not claim task ${id}`); // names neither its team nor its assignee
    }
    let to: string;
    if (p.role === 'rep') {
      if (body.assignee !== undefined && body.assignee !== p.scope)
        throw new ForbiddenError('a rep claims tasks only for themself');
      to = p.scope!;
    } else {
      if (!body.assignee || roster().teamOfRep(body.assignee) !== team)
        throw new ValidationError('name a rep of the team', [
          { path: 'assignee', message: `must be a rep of ${team}` },
        ]);
      to = body.assignee;
    }
    if (t.status === 'cancelled')
      throw new ConflictError(`task ${id} was cancelled; it cannot be claimed`, 'task_cancelled');
    if (t.status !== 'open') throw new ConflictError(`task ${id} is ${t.status}`, 'task_not_open');
    const queue = `queue:${team}`;
    if (t.assignee === to) return t; // claimed already by this rep: a repeat changes nothing
    if (t.assignee !== queue) throw new ConflictError(`task ${id} is not in the team queue ${queue}`, 'task_not_open');
    // the lead's workflow serialises racing claims: the first hands the lead (and its queued tasks) over
    const { handedOver } = await leads.claimLead(t.leadId, { taskId: id, rep: to, actor: p.actor }, p);
    const now = await tasks.get(id);
    if (now?.assignee === to) return now;
    // the lead has ended (its workflow is closed), or the task was not moved with it: claim the task alone
    if (!(await tasks.reassign(id, to, p.actor, new Date(), queue))) {
      throw new ConflictError(
        handedOver ? `task ${id} is no longer open in the team queue` : `task ${id} was claimed by someone else`,
        handedOver ? 'task_not_open' : 'claimed_first',
      );
    }
    return tasks.get(id);
  });

  const completeSchema = op({
    summary:
      'Complete a task (counts as activity on its lead); a cancelled task is 409 task_cancelled. Answers the task.',
    access: allow('all', 'none', 'team', 'own', { pathId: 'task' }),
    params: taskIdParam,
    query: noQuery,
    body: noBody,
    errors: [404, 409],
  });
  app.post('/v1/tasks/:id/complete', { schema: completeSchema }, async (req) => {
    const p = who(req);
    const { id } = req.params;
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError(`task ${id} not found`);
    if (!mayHandle(p, t)) throw new ForbiddenError(`${p.actor} may not complete task ${id}`);
    const res = await leads.completeTask(id, p.actor);
    return res.task;
  });
}
