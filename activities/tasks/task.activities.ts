/**
 * Task activities: create (idempotent by id), cancel the tasks of a lead that no longer apply, and
 * hand a team queue's tasks to the rep who claimed the lead (README "How tasks reach people").
 */
import { log as activityLog } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { InvalidInputError } from '../../store/errors';
import type { NewTask, Task, TaskStatus } from '../../store/tasks/task';
import { TaskNotFoundError } from '../../store/tasks/task-store';

export interface CancelTasksRequest {
  leadId: string;
  /** who cancels (`system` for the lead's automation) */
  actor: string;
  /** the tasks and why each no longer applies */
  tasks: { id: string; reason: string }[];
}
/** each task's status after the call; `missing` for an unknown id or one of another lead */
export type CancelTasksResult = { id: string; status: Exclude<TaskStatus, 'open'> | 'missing' }[];
import { workerCounter } from '../metrics/facts.activities';

export function createTaskActivities(deps: ActivityDeps) {
  return {
    /** Creates the task unless it exists (deterministic id): a retry returns the first one. */
    async createTask(input: NewTask): Promise<Task> {
      if (!input.id || !input.assignee || Number.isNaN(Date.parse(input.dueAt))) {
        throw new InvalidInputError(`task ${input.id || '(no id)'} needs an id, an assignee and a due date`);
      }
      const { task, created } = await deps.tasks.create(input);
      activityLog.info(created ? 'task created' : 'task already existed', { taskId: task.id, assignee: task.assignee });
      if (created)
        workerCounter('dealflow_tasks_created', 'tasks created by lead workflows', {
          kind: task.kind,
          team: task.team,
        });
      return task;
    },
    /**
     * Keeps a closed lead's final state in Redis with no expiry, so its history outlives the
     * Temporal namespace's retention (GET /v1/leads/:id falls back to it).
     */
    async archiveLead(state: { id: string; status: string }): Promise<void> {
      await deps.redis.set(`${deps.prefix}lead-archive:${state.id}`, JSON.stringify(state));
    },
    async cancelLeadTasks({ leadId, actor }: { leadId: string; actor: string }): Promise<number> {
      return deps.tasks.cancelForLead(leadId, actor);
    },
    /**
     * Cancels the named tasks of one lead, each with its reason. Idempotent: a task already
     * cancelled (by an earlier attempt) answers `cancelled` again without a second stream event; a
     * task completed first answers `done` and is left as it is; an unknown id, or one of another
     * lead, answers `missing`. The answer is the status of each task after the call, in order.
     */
    async cancelTasks({ leadId, actor, tasks }: CancelTasksRequest): Promise<CancelTasksResult> {
      if (typeof leadId !== 'string' || !leadId || typeof actor !== 'string' || !actor || !Array.isArray(tasks)) {
        throw new InvalidInputError('cancelTasks needs a lead id, an actor and a list of { id, reason }');
      }
      for (const t of tasks) {
        if (!t || typeof t.id !== 'string' || !t.id || typeof t.reason !== 'string')
          throw new InvalidInputError('each task to cancel needs an id and a reason');
      }
      const out: CancelTasksResult = [];
      const now = new Date();
      for (const { id, reason } of tasks) {
        const current = await deps.tasks.get(id);
        if (!current || current.leadId !== leadId) {
          out.push({ id, status: 'missing' });
          continue;
        }
        try {
          const { task, changed } = await deps.tasks.cancel(id, actor, now, reason);
          if (changed)
            workerCounter(
              'dealflow_tasks_cancelled',
              'tasks cancelled by lead workflows because they no longer apply',
              { kind: task.kind, team: task.team },
            );
          // never `open` here: the script changes an open task, and leaves only closed ones as they are
          out.push({ id, status: task.status as Exclude<TaskStatus, 'open'> });
        } catch (err) {
          if (!(err instanceof TaskNotFoundError)) throw err;
          out.push({ id, status: 'missing' });
        }
      }
      deps.log.info(
        { leadId, asked: tasks.length, cancelled: out.filter((o) => o.status === 'cancelled').length },
        'lead tasks cancelled',
      );
      return out;
    },
    /**
     * Moves a lead's open tasks that are still in the team queue `from` to the rep `to` (a claim
     * hands the lead over). Each move is atomic and only from the queue, so a repeat moves nothing.
     */
    async handOverQueueTasks({
      leadId,
      from,
      to,
      actor,
    }: {
      leadId: string;
      from: string;
      to: string;
      actor: string;
    }): Promise<number> {
      if (!leadId || !to || !actor || typeof from !== 'string' || !from.startsWith('queue:')) {
        throw new InvalidInputError(
          'handOverQueueTasks needs a lead id, a team queue `queue:<team>` to move from, a rep and an actor',
        );
      }
      return deps.tasks.reassignForLead(leadId, to, actor, new Date(), from);
    },
  };
}
