/**
 * Activities proxied once, at module top, by type only: workflows never import activity code.
 * Retries are unbounded with backoff (nothing is lost while Redis or SMTP is down); the error class
 * names in nonRetryableErrorTypes are the contract with store/errors.ts.
 */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
});

/**
 * Read-only activities (config, roster): when their stage is cancelled they are simply abandoned —
 * there is nothing to undo, so no cancel request goes to the server.
 */
export const reads = proxyActivities<
  Pick<Activities, 'getCadence' | 'getThresholds' | 'lookupPeople' | 'getFollowUp' | 'getCampaignControl'>
>({
  startToCloseTimeout: '10s',
  cancellationType: ActivityCancellationType.ABANDON,
  // an outage is retried; an error retrying cannot fix (store/errors.ts) is not
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
});
