/**
 * Company enrichment beside the stage loop: the lead never waits for the provider. A provider that
 * is down leaves a recorded gap and is tried again with a doubling delay (from the lead's
 * settings, up to 6 h) until the profile lands, whatever stage the lead is in by then.
 */
import { ActivityCancellationType, condition, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { formatDuration } from './policy/duration';
import { rescore } from './scoring';
import type { HistoryEntry, LeadState } from './types';

// a few quick attempts per round; the rounds themselves are the workflow's own retry loop
const { enrichCompany } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // a lookup: when the lead closes or continues as new it is simply abandoned
  cancellationType: ActivityCancellationType.ABANDON,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
});

const MAX_DELAY_MS = 6 * 3600_000;

export async function enrichWhenPossible(
  state: LeadState,
  record: (e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }) => void,
  closed: () => boolean,
  firstDelayMs: number,
): Promise<void> {
  let delay = firstDelayMs;
  for (;;) {
    await condition(() => closed() || state.enrichmentStatus === 'pending' || state.enrichmentStatus === 'gap');
    if (closed()) return;
    const domain = String(state.enrichment?.domain ?? '');
    if (!domain || state.enrichment?.freeMail) {
      state.enrichmentStatus = 'not_found';
      record({ type: 'automation', cause: 'no company enrichment for a free-mail address' });
      continue;
    }
    try {
      const res = await enrichCompany({ domain });
      if (res.status === 'ok') {
        state.enrichment = { ...(state.enrichment ?? {}), company: res.company };
        state.enrichmentStatus = 'ok';
        record({
          type: 'automation',
          cause: `company profile for ${domain} from the enrichment provider${res.company.name ? `: ${res.company.name}` : ''}`,
        });
        rescore(state, record);
      } else {
        state.enrichmentStatus = res.status;
        record({
          type: 'automation',
          cause:
            res.status === 'not_found'
              ? `the enrichment provider knows no company at ${domain}`
              : 'no enrichment provider is configured',
        });
      }
      delay = firstDelayMs;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const first = state.enrichmentStatus !== 'gap';
      state.enrichmentStatus = 'gap';
      if (first) {
        record({
          type: 'automation_failed',
          cause: `enrichment provider unavailable (${(err as Error).message}); the lead goes on and enrichment is retried, first in ${formatDuration(delay)}`,
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
