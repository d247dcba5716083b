/**
 * Worker metrics for Prometheus: the Temporal SDK's own exporter (workflow and activity task
 * latencies, schedule-to-start, slots, polls, sticky cache …) plus the dealflow counters the
 * activities add to the same meter (`dealflow_lead_facts_writes_total`, `dealflow_tasks_created_total`,
 * `dealflow_emails_sent_total`), served at `http://<WORKER_METRICS_ADDRESS>/metrics`.
 *
 * The Temporal runtime is a process-wide singleton that can be installed only once and only before
 * the first worker or native connection is made. So this installs it at most once per process; a
 * second worker in the same process (the tests make several) shares the exporter, and a process
 * whose runtime was already created without it logs a warning and runs without worker metrics.
 */
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';

let installedAt: string | undefined;

export function installWorkerTelemetry(bindAddress: string | undefined, log: Pick<Logger, 'warn' | 'info'>): boolean {
  if (!bindAddress) return false;
  if (installedAt) {
    if (installedAt !== bindAddress)
      log.warn({ installedAt, bindAddress }, 'worker metrics are already exported on another address in this process');
    return installedAt === bindAddress;
  }
  try {
    Runtime.install({
      telemetryOptions: {
        metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true } },
      },
    });
    installedAt = bindAddress;
    log.info({ bindAddress }, 'worker metrics for Prometheus');
    return true;
  } catch (e) {
    log.warn(
      { err: (e as Error).message },
      'worker metrics are off: the Temporal runtime of this process was set up before',
    );
    return false;
  }
}
