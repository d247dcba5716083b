/**
 * One page of a lead's whole timeline (README "A lead's timeline"), oldest → newest: the entries
 * the lead stored durably (activities/timeline/timeline-store.ts) followed by the newest ones still
 * only in its state (a running lead's, or a closed lead's state or archive). Each entry carries its
 * `seq` (its position in the lead's timeline from 0); the cursor is the seq of the last entry of a
 * page, so entries recorded between two requests only extend the walk.
 *
 * A lead that ran before the durable timeline may have had its oldest entries trimmed away
 * (`historyTrimmed` without `timelineStored`): its timeline starts at the first entry it kept, and
 * the first page says how many came before (`droppedBefore`).
 */
import type { LeadState } from '../workflows/types';
import { decodeSeqCursor, type TimelineEntry, TimelineStore } from '../store/timeline/timeline-store';

export interface TimelinePage {
  items: TimelineEntry[];
  /** the cursor of the next page (the last entry's seq); absent on the last page */
  nextPageToken?: string;
  /** how many entries there are in all (stored and in the state) */
  total: number;
  /** on the first page only: how many of the oldest entries an older version dropped unstored */
  droppedBefore?: number;
}

/** Reads one page of `state`'s timeline after `cursor` (undefined: from the first), at most `pageSize` entries. */
export async function timelinePage(
  store: TimelineStore,
  state: LeadState,
  cursor: string | undefined,
  pageSize: number,
): Promise<TimelinePage> {
  const after = decodeSeqCursor(cursor);
  const total = state.historyTrimmed + state.history.length;
  const items = await store.after(state.id, after, pageSize);
  // the state's own entries follow the stored ones (an entry in both is served once, by seq)
  let last = items.length ? items[items.length - 1].seq : after;
  for (let i = Math.max(0, last + 1 - state.historyTrimmed); items.length < pageSize && i < state.history.length; i++) {
    items.push({ ...state.history[i], seq: state.historyTrimmed + i });
  }
  last = items.length ? items[items.length - 1].seq : after;
  const page: TimelinePage = { items, total };
  if (items.length === pageSize && last + 1 < total) page.nextPageToken = String(last);
  if (cursor === undefined) {
    const first = items[0]?.seq ?? total;
    if (first > 0) page.droppedBefore = first;
  }
  return page;
}
