/** Task activities: create (idempotent by id) and cancel a lead's open tasks. */
import { log as activityLog } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { InvalidInputError } from '../errors';
import type { NewTask, Task } from './task';
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
      if (created) workerCounter('dealflow_tasks_created', 'tasks created by lead workflows', { kind: task.kind, team: task.team });
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
  };
}
