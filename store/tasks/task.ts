/** README "How tasks reach people": a task for a sales rep, manager or team queue. */
export type TaskStatus = 'open' | 'done' | 'cancelled';
export type TaskPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface Task {
  id: string;
  leadId: string;
  assignee: string;
  team: string;
  kind: string;
  title: string;
  details: string;
  dueAt: string;
  priority: TaskPriority;
  status: TaskStatus;
  createdAt: string;
  completedAt?: string;
  completedBy?: string;
  /** set when the task is cancelled: when, by whom (`system` for the lead's automation) and why */
  cancelledAt?: string;
  cancelledBy?: string;
  cancelReason?: string;
  /** structured data attached by the automation that made the task (e.g. collected lead data) */
  data?: Record<string, unknown>;
}

export type NewTask = Omit<
  Task,
  'status' | 'createdAt' | 'completedAt' | 'completedBy' | 'cancelledAt' | 'cancelledBy' | 'cancelReason'
> & { createdAt?: string };

/** Task ids are derived from (lead, stage entry, kind) by the workflow, so a retried activity finds the same id. */
export function taskIdFor(leadId: string, stageEntry: number, kind: string, n = 0): string {
  return `${leadId}.${stageEntry}.${kind}${n ? `.${n}` : ''}`;
}
