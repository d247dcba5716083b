/**
 * `dealflow dev | worker | api`: the long-running processes (README "Set-up: two commands", "With the CLI"). Each stops cleanly on
 * SIGINT/SIGTERM; a start-up failure prints the reason, closes what was started and exits non-zero.
 */
import type { Command } from 'commander';
import type { Config } from '../../config/env';
import { config, port, type runner } from '../shared';

/** The daily task digest and metrics reconcile are Temporal Schedules; creating them is idempotent, so every worker start ensures them. */
async function ensureSchedules(cfg: Config, log: { warn(o: object, m: string): void }): Promise<void> {
  const { connectClient } = require('../../client/temporal') as typeof import('../../client/temporal');
  const { ensureDigestSchedule, ensureReconcileSchedule } =
    require('../../client/schedules') as typeof import('../../client/schedules');
  const client = await connectClient(cfg);
  try {
    await ensureDigestSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not ensure the digest schedule');
  }
  try {
    await ensureReconcileSchedule(client, { taskQueue: cfg.TEMPORAL_TASK_QUEUE });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not ensure the metrics reconcile schedule');
  } finally {
    await client.connection.close();
  }
}

export function registerServers(program: Command, run: ReturnType<typeof runner>): void {
  program
    .command('dev')
    .description(
      'the whole local stack: Temporal dev server (SQLite in .data/), Redis, an SMTP catcher, worker and API; prints URLs and demo keys',
    )
    .option('--data-dir <dir>', 'where the dev server and Redis keep their data (default .data/ in the repository)')
    .option('--temporal-port <port>', 'the Temporal dev server port', port, 7233)
    .option('--ui-port <port>', 'the Temporal UI port', port, 8233)
    .option('--redis-port <port>', 'the Redis port', port, 6379)
    .option('--smtp-port <port>', "the SMTP catcher's SMTP port", port, 1025)
    .option('--mail-port <port>', "the SMTP catcher's web page port", port, 1080)
    .addHelpText(
      'after',
      '\nA service whose address is configured (TEMPORAL_ADDRESS, REDIS_URL, SMTP_URL) is used as it is.',
    )
    .action(
      run((o: import('../dev').DevOptions) => {
        const { runDev } = require('../dev') as typeof import('../dev'); // loaded lazily: heavy
        return runDev(o);
      }),
    );

  program
    .command('worker')
    .description('run a worker (lead, propagation, digest and batch workflows and their activities)')
    .action(
      run(async () => {
        const cfg = config();
        const { createWorker } = require('../../workers/worker') as typeof import('../../workers/worker'); // loaded lazily: heavy
        const w = await createWorker(cfg);
        await ensureSchedules(cfg, w.log);
        w.log.info({ taskQueue: w.worker.options.taskQueue }, 'worker started');
        await w.run();
        return 0;
      }),
    );

  program
    .command('api')
    .description('run the HTTP API and the web page')
    .action(
      run(async () => {
        const cfg = config();
        const { runApi } = require('../run-api') as typeof import('../run-api'); // loaded lazily: heavy
        await runApi(cfg);
        return 0;
      }),
    );
}
