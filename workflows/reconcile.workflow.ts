/**
 * The daily metrics reconcile, started by the Temporal Schedule `dealflow-metrics-reconcile`
 * (client/schedules.ts): one activity that recomputes every board counter and facts index entry from
 * the per-lead facts, repairs the drift it finds and keeps the report for the
 * `dealflow_metrics_drift` gauge (docs/ARCHITECTURE.md, "Lead facts"). Only counts go into history.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';

const { reconcileMetrics } = proxyActivities<Pick<Activities, 'reconcileMetrics'>>({
  startToCloseTimeout: '30m',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    // tomorrow's run does the same: give up after about an hour of failing
    maximumAttempts: 10,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
});

export interface MetricsReconcileInput {
  /** false: report the drift only; default true */
  repair?: boolean;
}

export async function metricsReconcileWorkflow(input: MetricsReconcileInput = {}) {
  return reconcileMetrics({ repair: input.repair ?? true });
}
