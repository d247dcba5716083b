/**
 * Per-lead write lanes for the API (docs/ERRORS.md `lead_busy`). Temporal holds at most 10 updates
 * in flight per workflow and refuses the 11th (RESOURCE_EXHAUSTED); many callers writing to one
 * lead at once (a dialer or CRM sync logging calls) would hit that. Each lead's updates from this
 * process run at most `inFlight` at a time, the rest wait in the lead's lane in arrival order, so
 * they all land; a lane already holding `maxWaiting` writes refuses the next with `lead_busy` (429,
 * Retry-After 1 s) instead of queueing without bound. Another process writing to the same lead can
 * still fill Temporal's limit: that is answered `lead_busy` too (client/api/errors.ts).
 */
import pLimit from 'p-limit';
import { CodedError } from '../store/request-errors';

/** below Temporal's 10 per workflow, leaving room for the CLI and another API replica */
const LEAD_WRITES_IN_FLIGHT = 6;
const LEAD_WRITES_MAX_WAITING = 200;

export class LeadWriteLanes {
  private readonly lanes = new Map<string, { limit: pLimit.Limit; users: number }>();

  constructor(
    private readonly inFlight = LEAD_WRITES_IN_FLIGHT,
    private readonly maxWaiting = LEAD_WRITES_MAX_WAITING,
  ) {}

  /** Runs `write` in the lead's lane; rejects at once with `lead_busy` when the lane is full. */
  async run<T>(leadId: string, write: () => Promise<T>): Promise<T> {
    let lane = this.lanes.get(leadId);
    if (!lane) {
      lane = { limit: pLimit(this.inFlight), users: 0 };
      this.lanes.set(leadId, lane);
    }
    const waiting = Math.max(0, lane.users - this.inFlight);
    if (waiting >= this.maxWaiting) {
      throw new CodedError('lead_busy', `lead ${leadId} has ${waiting} changes waiting; try again`, [], 1);
    }
    lane.users++;
    try {
      return await lane.limit(write);
    } finally {
      if (--lane.users === 0) this.lanes.delete(leadId);
    }
  }

  /** Leads with a write running or waiting (for tests and metrics). */
  get busyLeads(): number {
    return this.lanes.size;
  }
}
