/**
 * What `dealflow bench` makes every lead do, with durations compressed to seconds, and what the
 * automations must produce for it (the smoke test checks the counts). Also turns a benchmarked
 * lead's event history into the baseline's plan (bench/baseline.workflow.ts).
 */
import type { google, temporal } from '@temporalio/proto';
import type { BaselinePhase } from './baseline.workflow';

/** The `default` cadence for the run: two emails a second apart, any time of day. */
export const BENCH_CADENCE = {
  steps: [
    { after: '0s', template: 'approach_intro' },
    { after: '1s', template: 'approach_followup_1' },
  ],
  businessHours: null,
};

/** Global stall thresholds: only `objections` is short, so each lead stalls there (level 1 after 2 s, level 2 after 4 s; level 3, at 200 s (the largest multiplier allowed is 100), never comes: a lead leaves objections right after level 2). */
export const BENCH_THRESHOLDS = {
  global: { objections: '2s' },
  escalation: { multipliers: [1, 2, 100], autoReassign: false },
};

/** Follow-up after the win: thank-you at once, survey after 1 s, a reminder 1 s later, no response 1 s after that; one check-in after 2 s. */
export const BENCH_FOLLOW_UP = {
  thankYou: '0s',
  surveyAfter: '1s',
  surveyReminderAfter: '1s',
  checkIns: ['2s'],
  detractorSla: '1d',
};

/**
 * Lead settings from the creating client's environment: the proposal reminder comes 30 s after
 * entering `closing`. Shorter is not safe: the reminder is skipped when its time has passed by the
 * time the proposal went out, which a loaded machine can take seconds to do.
 */
export const BENCH_ENV = { PROPOSAL_VALIDITY: '60s', PROPOSAL_REMINDER_BEFORE: '30s' };

const OBJECTION_NOTE = 'The price is too high for this quarter';

/** One step of a lead's drive: a move (or the win) through the API, then what must appear before the next. */
export interface Step {
  /** `won`, or the stage to move to */
  to: string;
  note?: string;
  /** the task of the stage entry, created on entry: its latency from the move's response is measured */
  entryTask?: string;
  tasks: string[];
  /** email steps without the stage entry, e.g. `approach:0`; stall notices as `stall:l1` */
  emails: string[];
}

export const STEPS: Step[] = [
  { to: 'preparation', entryTask: 'research', tasks: [], emails: [] },
  { to: 'approach', tasks: ['call'], emails: ['approach:0', 'approach:1'] },
  { to: 'presentation', entryTask: 'demo', tasks: [], emails: ['presentation:reminder'] },
  {
    to: 'objections',
    note: OBJECTION_NOTE,
    entryTask: 'objection',
    tasks: ['stall', 'escalation'],
    emails: ['objections:content', 'stall:l1', 'stall:l2'],
  },
  { to: 'closing', entryTask: 'closing', tasks: [], emails: ['closing:proposal', 'closing:reminder'] },
  {
    to: 'won',
    tasks: ['check_in_1'],
    emails: ['follow_up:thank_you', 'follow_up:survey', 'follow_up:survey_reminder'],
  },
];

export const TASKS_PER_LEAD = STEPS.reduce((n, s) => n + s.tasks.length + (s.entryTask ? 1 : 0), 0);
export const EMAILS_PER_LEAD = STEPS.reduce((n, s) => n + s.emails.length, 0);
export const MOVES_PER_LEAD = STEPS.length;

/** `3:approach:0` → `approach:0`; `4:stall7:l2` → `stall:l2`. */
export function normaliseStep(step: string): string {
  return step.replace(/^\d+:/, '').replace(/^stall\d+:/, 'stall:');
}

function ms(d: google.protobuf.IDuration | null | undefined): number {
  if (!d) return 0;
  return Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

/**
 * The baseline's plan from a lead's history: one phase per update plus the start. In each phase,
 * the activities scheduled, the timers that fired (each chained after the timer of the phase that
 * fired last before it started) and the timers cancelled or left pending.
 */
export function baselinePlan(history: temporal.api.history.v1.IHistory): {
  phases: BaselinePhase[];
  updates: number;
  activities: number;
  timers: number;
} {
  const phases: BaselinePhase[] = [{ activities: 0, timers: [], cancelled: 0 }];
  const started = new Map<string, { phase: number; eventId: number; ms: number }>();
  const fired = new Map<string, number>(); // timer id → fired event id
  let activities = 0;
  let timers = 0;
  const events = history.events ?? [];
  for (const e of events) {
    const id = Number(e.eventId);
    if (e.workflowExecutionUpdateAcceptedEventAttributes) phases.push({ activities: 0, timers: [], cancelled: 0 });
    else if (e.activityTaskScheduledEventAttributes) {
      phases[phases.length - 1].activities += 1;
      activities += 1;
    } else if (e.timerStartedEventAttributes) {
      const a = e.timerStartedEventAttributes;
      started.set(a.timerId!, { phase: phases.length - 1, eventId: id, ms: ms(a.startToFireTimeout) });
      timers += 1;
    } else if (e.timerFiredEventAttributes) fired.set(e.timerFiredEventAttributes.timerId!, id);
  }
  // fired timers per phase, in start order; a timer's parent is the one that fired last before it started
  const byPhase = new Map<number, { eventId: number; ms: number; firedAt: number }[]>();
  for (const [timerId, s] of started) {
    const f = fired.get(timerId);
    if (f === undefined) {
      phases[s.phase].cancelled += 1;
      continue;
    }
    const list = byPhase.get(s.phase) ?? [];
    list.push({ eventId: s.eventId, ms: s.ms, firedAt: f });
    byPhase.set(s.phase, list);
  }
  for (const [phase, list] of byPhase) {
    list.sort((a, b) => a.eventId - b.eventId);
    phases[phase].timers = list.map((t) => {
      let after = -1;
      let best = -1;
      list.forEach((o, j) => {
        if (o.firedAt < t.eventId && o.firedAt > best) {
          best = o.firedAt;
          after = j;
        }
      });
      return { ms: t.ms, after };
    });
  }
  return { phases, updates: phases.length - 1, activities, timers };
}
