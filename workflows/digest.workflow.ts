/**
 * The daily task digest (README "How tasks reach people"), started by the Temporal Schedule of client/schedules.ts: one
 * activity that mails every rep with open tasks their list. The date is the workflow's own (its
 * deterministic clock) in the schedule's time zone, so a retry, a replay or a second run on the same
 * day names the same date, and the send activity's (person, date) idempotency keeps it to one email.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERRORS } from '../store/errors';

const { sendTaskDigests } = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '2m',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    // a digest still worth reading: give up after about half a day of failing
    maximumAttempts: 80,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
});

export interface TaskDigestInput {
  /** IANA zone the date is taken in (the schedule's); UTC if absent or unknown */
  timezone?: string;
  /** an explicit date (YYYY-MM-DD), e.g. to re-send a missed day; else today */
  date?: string;
}

/** `now` as YYYY-MM-DD in `timezone` (UTC when absent or not a zone). Pure. */
function digestDate(now: Date, timezone?: string): string {
  if (timezone) {
    try {
      // en-CA formats as YYYY-MM-DD
      return new Intl.DateTimeFormat('en-CA', {
        timeZone: timezone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      }).format(now);
    } catch {
      /* an unknown zone: fall back to UTC */
    }
  }
  return now.toISOString().slice(0, 10);
}

export async function taskDigestWorkflow(
  input: TaskDigestInput = {},
): Promise<{ date: string; sent: number; reps: string[] }> {
  const date = input.date ?? digestDate(new Date(), input.timezone);
  const { sent, reps } = await sendTaskDigests({ date });
  return { date, sent, reps };
}
