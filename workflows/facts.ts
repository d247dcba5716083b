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
 */
import { CancellationScope, condition, patched } from '@temporalio/workflow';
import { acts } from './proxies';
import { factsSignature, leadFacts } from './policy/facts';
import type { LeadState } from './types';

export const FACTS_PATCH = 'lead-facts';

export interface FactsSync {
  /** writes what is still unwritten, waits for the write in flight, and stops the sync */
  flush(): Promise<void>;
}

export function startFactsSync(state: LeadState): FactsSync {
  let enabled = false;
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
      // a write once started is never cancelled (no half-cancelled activity; the end waits for it)
      await CancellationScope.nonCancellable(() => acts.recordLeadFacts(facts));
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
