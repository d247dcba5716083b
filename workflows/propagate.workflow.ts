/**
 * Pushes a changed thresholds document to the leads it shortens (docs/ARCHITECTURE.md §7 "a change applies to deals
 * already running, within 60 seconds"). Started by the API's PUT — one StartWorkflow, no per-lead
 * work in the request path — it pages through visibility and signals each affected open lead.
 * Longer thresholds need no push: a lead re-reads the thresholds when its stall timer fires.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';
import type { ThresholdsDoc } from './policy/thresholds';

const { signalLeadsWithThresholds } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
});

interface PropagateInput {
  doc: ThresholdsDoc;
  /** one visibility query per affected scope */
  queries: string[];
}

export async function propagateThresholdsWorkflow({ doc, queries }: PropagateInput): Promise<{ signalled: number }> {
  let signalled = 0;
  for (const query of queries) {
    signalled += await signalLeadsWithThresholds({ query, doc });
  }
  return { signalled };
}
