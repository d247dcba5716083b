/**
 * The worker: builds the activities' dependencies from config, creates the Temporal worker and
 * runs it until a shutdown signal (SIGINT/SIGTERM finish in-flight tasks; SIGKILL loses nothing
 * either, since every step is durable and idempotent).
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import Redis from 'ioredis';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/env';
import { createActivities } from '../activities';
import { TaskStore } from '../store/tasks/task-store';
import { connectClient, tlsFromConfig } from '../client/temporal';
import { loadRoster } from '../config/roster';
import { LiveRoster } from '../store/config/roster-store';
import { createMailTransport } from '../store/email/mailer';
import { installWorkerTelemetry } from './telemetry';

export interface WorkerHandle {
  worker: Worker;
  connection: NativeConnection;
  redis: Redis;
  log: Logger;
  /** resolves when the worker has stopped */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createWorker(
  config: Config,
  opts: { workflowBundlePath?: string; log?: Logger; workerOptions?: Partial<WorkerOptions> } = {},
): Promise<WorkerHandle> {
  const log = opts.log ?? pino({ level: config.LOG_LEVEL, name: 'dealflow-worker' });
  // before the first native connection: the Temporal runtime takes its telemetry options only then
  installWorkerTelemetry(config.WORKER_METRICS_ADDRESS, log);
  const connection = await NativeConnection.connect({
    address: config.TEMPORAL_ADDRESS,
    tls: tlsFromConfig(config),
    apiKey: config.TEMPORAL_API_KEY,
  });
  // what is open, closed in reverse order when the worker stops or when a later step of the start fails
  const opened: (() => unknown)[] = [() => connection.close()];
  const closeAll = async () => {
    for (const close of opened.splice(0).reverse())
      await Promise.resolve()
        .then(close)
        .catch(() => undefined);
  };
  try {
    const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
    opened.push(() => redis.disconnect());
    redis.on('error', (e) => log.warn({ err: e.message }, 'redis error'));
    const tasks = new TaskStore(redis, config.REDIS_PREFIX);
    const liveRoster = await LiveRoster.start(redis, config.REDIS_PREFIX, loadRoster(config.ROSTER_FILE));
    opened.push(() => liveRoster.close());
    const temporal: Client = await connectClient(config);
    opened.push(() => temporal.connection.close());
    const transport = createMailTransport(config.SMTP_URL);
    opened.push(() => transport.close());
    const activities = createActivities({
      redis,
      tasks,
      log,
      prefix: config.REDIS_PREFIX,
      roster: liveRoster.get,
      temporal: () => temporal,
      namespace: config.TEMPORAL_NAMESPACE,
      config,
      transport,
    });
    const bundle = opts.workflowBundlePath ?? process.env.DEALFLOW_WORKFLOW_BUNDLE;
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: require.resolve('../workflows') }),
      activities,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      ...opts.workerOptions,
    });
    let running: Promise<void> | undefined;
    const handle: WorkerHandle = {
      worker,
      connection,
      redis,
      log,
      run() {
        running ??= worker.run().finally(closeAll);
        return running;
      },
      async shutdown() {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    };
    return handle;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
