/**
 * The facts sync: beside the stage loop, it keeps the lead's facts record in Redis current
 * (workflows/policy/facts.ts, activities/metrics/). Whenever something the facts depend on changes
 * it writes ONE snapshot with the next `seq` through `recordLeadFacts`; while a write is in flight
 * further changes only make the signature differ, so a burst of changes costs one more write with
 * the latest snapshot. The activity stores a snapshot only if its seq is higher than the stored one,
 * so retries, replays and late attempts never make the record go back.
 *
 * Gated by `patched('lead-facts')`: a lead that was already running when this shipped replays its
 * old history without a command, and starts syncing at its first new workflow task.
 *
 * A facts write never holds up the lead (docs/ARCHITECTURE.md, "Lead facts"): facts the store
 * refuses fail at once (non-retryable `FactsRefused`), and from `patched('lead-facts-bounded')` on a
 * write gets a bounded number of attempts (about 15 minutes of backoff). The patch is asked once per
 * run, at its first write: a run that wrote facts before it shipped keeps the unbounded proxy until
 * it continues as new. A write that fails is recorded in the lead's history (`automation_failed`)
 * and the lead goes on; the next change writes a fresh snapshot, and the daily reconcile repairs
 * the counters meanwhile.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';
import { acts } from './proxies';
import { factsSignature, leadFacts } from './policy/facts';
import type { HistoryEntry, LeadState } from './types';

const FACTS_PATCH = 'lead-facts';
const FACTS_BOUNDED_PATCH = 'lead-facts-bounded';
/** Attempts of one facts write: 1s doubling to 1m between them, about 15 minutes in all. */
export const FACTS_MAX_ATTEMPTS = 20;

const bounded = proxyActivities<Pick<Activities, 'recordLeadFacts'>>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: FACTS_MAX_ATTEMPTS,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS, 'FactsRefused'],
  },
});

/** The reason of a failed activity, for the lead's history. */
function reasonOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type) return `${cause.type}: ${cause.message}`;
  return cause instanceof Error ? cause.message : String(cause);
}

type Record_ = (e: Omit<HistoryEntry, 'at' | 'actor'> & { actor?: string }) => void;

export interface FactsSync {
  /** writes what is still unwritten, waits for the write in flight, and stops the sync */
  flush(): Promise<void>;
}

export function startFactsSync(state: LeadState, record?: Record_): FactsSync {
  let enabled = false;
  let boundedWrites: boolean | undefined;
  let written = '';
  let stopping = false;
  const loop = (async () => {
    for (;;) {
      await condition(() => stopping || factsSignature(state) !== written);
      const sig = factsSignature(state);
      if (sig === written) return; // stopping, and the latest snapshot is written
      if (!enabled) enabled = patched(FACTS_PATCH);
      if (!enabled) {
        // replaying a history from before the patch: no command, and nothing to write
        written = sig;
        continue;
      }
      state.factsSeq = (state.factsSeq ?? 0) + 1;
      const facts = leadFacts(state, state.factsSeq);
      boundedWrites ??= patched(FACTS_BOUNDED_PATCH);
      const write = boundedWrites ? bounded.recordLeadFacts : acts.recordLeadFacts;
      try {
        // a write once started is never cancelled (no half-cancelled activity; the end waits for it)
        await CancellationScope.nonCancellable(() => write(facts));
      } catch (err) {
        // the metrics never stop the lead: the failure goes on its timeline, the next change writes again
        record?.({
          type: 'automation_failed',
          actor: 'system',
          cause: `metrics facts (seq ${facts.seq}) not recorded: ${reasonOf(err)}`,
        });
      }
      written = sig;
    }
  })();
  return {
    async flush() {
      stopping = true;
      await loop;
    },
  };
}
