/**
 * The timeline activity: appends a lead's new history entries to its durable timeline
 * (activities/timeline/timeline-store.ts, README "A lead's timeline"). Idempotent by seq, so a retry,
 * a replay or a second worker adds nothing twice.
 */
import type { ActivityDeps } from '../deps';
import { InvalidInputError } from '../../store/errors';
import { MAX_APPEND, TimelineStore, type TimelineEntry } from '../../store/timeline/timeline-store';

export interface AppendTimelineRequest {
  leadId: string;
  /** the entries, each with its seq (consecutive, oldest first) */
  entries: TimelineEntry[];
}

export function createTimelineActivities(deps: Pick<ActivityDeps, 'redis' | 'prefix'>) {
  const store = new TimelineStore(deps.redis, deps.prefix);
  return {
    /** Appends the entries not stored yet; returns how many were new. */
    async appendTimeline({ leadId, entries }: AppendTimelineRequest): Promise<number> {
      if (typeof leadId !== 'string' || !leadId || !Array.isArray(entries) || entries.length > MAX_APPEND) {
        throw new InvalidInputError(`appendTimeline needs a lead id and at most ${MAX_APPEND} entries`);
      }
      for (const e of entries) {
        if (
          !e ||
          typeof e !== 'object' ||
          !Number.isSafeInteger(e.seq) ||
          e.seq < 0 ||
          typeof e.type !== 'string' ||
          typeof e.at !== 'string'
        ) {
          throw new InvalidInputError('each timeline entry needs a seq (a whole number >= 0), a type and a time');
        }
      }
      return store.append(leadId, entries);
    },
  };
}
