/**
 * Temporal Schedules dealflow relies on. `ensureDigestSchedule` makes the daily task digest
 * (README "How tasks reach people") exist: it creates the schedule when there is none and leaves an existing one as it is
 * (change it with `handle.update`, or delete it and call this again).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import type { taskDigestWorkflow } from '../workflows/digest.workflow';
import type { metricsReconcileWorkflow } from '../workflows/reconcile.workflow';
import { isValidTimeZone } from '../workflows/policy/business-hours';

const DIGEST_SCHEDULE_ID = 'dealflow-task-digest';
const DIGEST_CRON = '0 7 * * *';

export interface DigestScheduleOptions {
  taskQueue: string;
  scheduleId?: string;
  /** a cron expression; default every day at 07:00 */
  cron?: string;
  /** IANA zone the cron is read in, and the digest's date taken in; default UTC */
  timezone?: string;
}

export async function ensureDigestSchedule(client: Client, opts: DigestScheduleOptions): Promise<ScheduleHandle> {
  const scheduleId = opts.scheduleId ?? DIGEST_SCHEDULE_ID;
  const timezone = opts.timezone ?? 'UTC';
  if (!isValidTimeZone(timezone)) throw new RangeError(`"${timezone}" is not an IANA time zone`);
  try {
    return await client.schedule.create<typeof taskDigestWorkflow>({
      scheduleId,
      spec: { cronExpressions: [opts.cron ?? DIGEST_CRON], timezone },
      action: {
        type: 'startWorkflow',
        workflowType: 'taskDigestWorkflow',
        taskQueue: opts.taskQueue,
        // the server appends the scheduled time, one id per day's run
        workflowId: `${scheduleId}-run`,
        args: [{ timezone }],
      },
      policies: {
        overlap: ScheduleOverlapPolicy.SKIP,
        // after an outage, a morning digest still makes sense a few hours late, not days late
        catchupWindow: '6h',
      },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return client.schedule.getHandle(scheduleId);
    throw err;
  }
}

const RECONCILE_SCHEDULE_ID = 'dealflow-metrics-reconcile';
const RECONCILE_CRON = '30 3 * * *';

/**
 * Makes the daily metrics reconcile (workflows/reconcile.workflow.ts) exist, like the digest: created
 * when there is none (and run once right away, so a store from an earlier version gets its board
 * built), an existing one left as it is.
 */
export async function ensureReconcileSchedule(
  client: Client,
  opts: { taskQueue: string; scheduleId?: string; cron?: string },
): Promise<ScheduleHandle> {
  const scheduleId = opts.scheduleId ?? RECONCILE_SCHEDULE_ID;
  try {
    return await client.schedule.create<typeof metricsReconcileWorkflow>({
      scheduleId,
      spec: { cronExpressions: [opts.cron ?? RECONCILE_CRON] },
      action: {
        type: 'startWorkflow',
        workflowType: 'metricsReconcileWorkflow',
        taskQueue: opts.taskQueue,
        workflowId: `${scheduleId}-run`,
        args: [{ repair: true }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
      state: { triggerImmediately: true },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return client.schedule.getHandle(scheduleId);
    throw err;
  }
}
