/**
 * Campaign workflows (README "Nurture flows"):
 * - `enrolBatchWorkflow` enrols a bulk batch's accepted rows in chunks, throttled to a rate so a big
 *   import never starves live traffic; it survives any crash (the rows are in Redis, the position in
 *   this workflow's history) and each chunk is idempotent.
 * - `campaignControlWorkflow` pushes a campaign's new state (paused, resumed, cancelled) to its
 *   running leads. Leads also read the state before each send, so one enrolled meanwhile is covered.
 */
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';
import type { CampaignControl } from './types';
import { nowMs } from './clock';

const { enrolChunk, finishBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
});
const { signalCampaignLeads } = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
});

export interface EnrolBatchInput {
  batchId: string;
  /** accepted rows in the batch */
  total: number;
  /** leads started per second at most */
  ratePerSecond: number;
  actor: string;
  /** where to go on after continue-as-new */
  from?: number;
}

export async function enrolBatchWorkflow(input: EnrolBatchInput): Promise<{ enrolled: number }> {
  const rate = Math.max(1, input.ratePerSecond);
  const chunk = Math.max(1, Math.min(100, Math.ceil(rate)));
  let from = input.from ?? 0;
  while (from < input.total) {
    const to = Math.min(input.total, from + chunk);
    const began = nowMs();
    await enrolChunk({ batchId: input.batchId, from, to, actor: input.actor });
    const n = to - from;
    from = to;
    if (from < input.total) {
      const wait = (n / rate) * 1000 - (nowMs() - began);
      if (wait > 0) await sleep(wait);
      if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof enrolBatchWorkflow>({ ...input, from });
    }
  }
  await finishBatch({ batchId: input.batchId, status: 'done' });
  return { enrolled: from };
}

export async function campaignControlWorkflow({
  control,
}: {
  control: CampaignControl;
}): Promise<{ signalled: number }> {
  return { signalled: await signalCampaignLeads({ control }) };
}
