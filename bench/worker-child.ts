/**
 * The benchmark's worker process (forked by bench/run.ts, so its memory is its own): the real
 * dealflow worker (workers/worker.ts) and, beside it on its own task queue and with the same
 * settings, the baseline worker. It answers the parent over IPC:
 *
 *   {type: 'stats', gc?: true} → {type: 'stats', memory, dealflow, baseline}   (memory after a full GC when asked)
 *   {type: 'stop'}             → shuts both workers down and exits
 *
 * and sends {type: 'ready', options} once both poll, or {type: 'failed', message}.
 */
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityInboundCallsInterceptor, ActivityExecuteInput, Next } from '@temporalio/worker';
import { loadConfig } from '../config/env';
import { createWorker } from '../workers/worker';
import { createBaselineActivities } from './baseline.activities';

export interface WorkerCounts {
  activities: number;
  status: ReturnType<Worker['getStatus']>;
}
export interface StatsMessage {
  type: 'stats';
  memory: NodeJS.MemoryUsage;
  dealflow: WorkerCounts;
  baseline: WorkerCounts;
}
export interface ReadyMessage {
  type: 'ready';
  options: Record<string, unknown>;
}

/** The worker options that tune throughput and memory; the baseline worker gets the dealflow worker's values. */
const TUNING = [
  'maxCachedWorkflows',
  'maxConcurrentWorkflowTaskExecutions',
  'maxConcurrentActivityTaskExecutions',
  'maxConcurrentLocalActivityExecutions',
  'maxConcurrentWorkflowTaskPolls',
  'maxConcurrentActivityTaskPolls',
  'workflowTaskPollerBehavior',
  'activityTaskPollerBehavior',
  'reuseV8Context',
  'maxHeapMemory',
  'stickyQueueScheduleToStartTimeout',
] as const;

function counter(): { n: number; factory: () => { inbound: ActivityInboundCallsInterceptor } } {
  const c = {
    n: 0,
    factory: () => ({
      inbound: {
        execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
          c.n += 1;
          return next(input);
        },
      },
    }),
  };
  return c;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const rawQueue = process.env.BENCH_RAW_TASK_QUEUE;
  if (!rawQueue) throw new Error('BENCH_RAW_TASK_QUEUE is not set');
  const extra: Partial<WorkerOptions> = process.env.BENCH_WORKER_OPTIONS
    ? JSON.parse(process.env.BENCH_WORKER_OPTIONS)
    : {};
  const dealflowCount = counter();
  const baselineCount = counter();
  const dealflow = await createWorker(config, {
    workerOptions: { ...extra, interceptors: { activity: [dealflowCount.factory] } },
  });
  const opts = dealflow.worker.options as unknown as Record<string, unknown>;
  const tuning: Record<string, unknown> = {};
  for (const k of TUNING) if (opts[k] !== undefined) tuning[k] = opts[k];
  const baseline = await Worker.create({
    connection: dealflow.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: rawQueue,
    workflowsPath: require.resolve('./baseline.workflow'),
    activities: createBaselineActivities(),
    ...(tuning as Partial<WorkerOptions>),
    interceptors: { activity: [baselineCount.factory] },
  });
  const runs = Promise.all([dealflow.run(), baseline.run()]);
  const send = (m: unknown) => process.send?.(m);
  process.on('message', (m: { type: string; gc?: boolean }) => {
    if (m.type === 'stats') {
      if (m.gc && typeof global.gc === 'function') {
        global.gc();
        global.gc();
      }
      const msg: StatsMessage = {
        type: 'stats',
        memory: process.memoryUsage(),
        dealflow: { activities: dealflowCount.n, status: dealflow.worker.getStatus() },
        baseline: { activities: baselineCount.n, status: baseline.getStatus() },
      };
      send(msg);
    } else if (m.type === 'stop') {
      if (baseline.getState() === 'RUNNING') baseline.shutdown();
      void dealflow
        .shutdown()
        .then(() => runs)
        .finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0)); // the parent is gone
  const ready: ReadyMessage = { type: 'ready', options: tuning };
  send(ready);
  await runs;
}

main().catch((err) => {
  process.send?.({ type: 'failed', message: (err as Error).stack ?? String(err) });
  process.exit(1);
});
