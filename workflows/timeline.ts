/**
 * The timeline sync (README "A lead's timeline"): beside the stage loop, it appends every history
 * entry the lead records to the lead's durable timeline (activities/timeline/) through the
 * idempotent `appendTimeline` activity, oldest first, in batches. The state's `history` then keeps
 * only the newest entries (HISTORY_KEEP) — and never drops one before it is stored: `record()` trims
 * only entries below `timelineStored`. So the state stays small and nothing is thrown away; the API
 * serves the stored entries and the state's newest ones as one timeline, paged oldest → newest.
 *
 * Gated by `patched('timeline-store')`, asked once at the start of each run: a run recorded before
 * it replays without a command and trims as it always did (`timelineStored` stays unset).
 */
import { CancellationScope, condition, patched } from '@temporalio/workflow';
import { acts } from './proxies';
import type { LeadState } from './types';

const TIMELINE_PATCH = 'timeline-store';
/** The most entries one append carries (the activity takes at most 500). */
const BATCH = 200;

/** How many entries the lead has recorded in its life (stored, trimmed or in the state). */
const timelineLength = (state: LeadState): number => state.historyTrimmed + state.history.length;

export interface TimelineSync {
  /** stores what is still unstored, then stops the sync */
  flush(): Promise<void>;
  /** whether this run keeps the durable timeline */
  readonly enabled: boolean;
}

/**
 * Starts the sync when the patch is on (it then sets `timelineStored`, from the entries an older run
 * already dropped, if any). `trim` drops the stored entries past the keep limit from the state.
 */
export function startTimelineSync(state: LeadState, trim: () => void): TimelineSync {
  if (!patched(TIMELINE_PATCH)) return { enabled: false, flush: async () => undefined };
  // entries an older run trimmed without storing them are gone: the stored timeline starts after them
  state.timelineStored ??= state.historyTrimmed;
  let stopping = false;
  const stored = (): number => state.timelineStored ?? 0;
  const loop = (async () => {
    for (;;) {
      await condition(() => stopping || timelineLength(state) > stored());
      if (timelineLength(state) <= stored()) return; // stopping, and everything is stored
      const from = stored();
      const first = from - state.historyTrimmed;
      const entries = state.history.slice(first, first + BATCH).map((e, i) => ({ ...e, seq: from + i }));
      // an append once started is never cancelled; it is retried until Redis answers (nothing lost)
      await CancellationScope.nonCancellable(() => acts.appendTimeline({ leadId: state.id, entries }));
      state.timelineStored = from + entries.length;
      trim();
    }
  })();
  return {
    enabled: true,
    async flush() {
      stopping = true;
      await loop;
    },
  };
}
