/**
 * The product's default numbers: plain data, no I/O. Workflows may import this file.
 * Every value here can be overridden through the config endpoints (thresholds, cadences,
 * follow-up) or the environment; this file is what a fresh install starts from.
 */

export const STAGES = [
  'prospecting',
  'preparation',
  'approach',
  'presentation',
  'objections',
  'closing',
  'follow_up',
] as const;
export type Stage = (typeof STAGES)[number];

/** The stages an open deal may be moved between by a rep or manager. */
export const OPEN_STAGES = STAGES.slice(0, 6) as readonly Exclude<Stage, 'follow_up'>[];
export type OpenStage = Exclude<Stage, 'follow_up'>;

export const STATUSES = ['open', 'won', 'lost', 'disqualified', 'completed'] as const;
export type Status = (typeof STATUSES)[number];

export const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** docs/ARCHITECTURE.md §7: how long a deal may sit in a stage without activity before it is stalled. */
export const DEFAULT_THRESHOLDS: Record<OpenStage, string> = {
  prospecting: '3d',
  preparation: '2d',
  approach: '7d',
  presentation: '5d',
  objections: '5d',
  closing: '7d',
};

export const DEFAULT_ESCALATION = { multipliers: [1, 2, 3], autoReassign: false };

/** README "HTTP API": forecast probabilities per stage (0..1). */
export const DEFAULT_STAGE_PROBABILITIES: Record<OpenStage, number> = {
  prospecting: 0.05,
  preparation: 0.1,
  approach: 0.2,
  presentation: 0.4,
  objections: 0.6,
  closing: 0.8,
};

/** README "What happens to a lead"; docs/ARCHITECTURE.md §9: the default follow-up email cadence in `approach`. `after` is the delay after the previous step. */
export const DEFAULT_CADENCE = {
  steps: [
    { after: '0s', template: 'approach_intro' },
    { after: '2d', template: 'approach_followup_1' },
    { after: '3d', template: 'approach_followup_2' },
    { after: '4d', template: 'approach_breakup' },
  ],
  businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' } as BusinessHours | null,
};

export interface BusinessHours {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local wall-clock time "HH:MM" in the lead's time zone. */
  start: string;
  end: string;
}

/** README "HTTP API": follow-up after the sale. */
export const DEFAULT_FOLLOW_UP = {
  thankYou: '0s',
  surveyAfter: '14d',
  surveyReminderAfter: '3d',
  checkIns: ['30d', '90d'],
  detractorSla: '1d',
};

/** When a stage's automation creates a task, how long the assignee has to do it. */
export const DEFAULT_TASK_DUE: Record<string, string> = {
  research: '1d',
  demo: '2d',
  objection: '1d',
  closing: '2d',
  call: '1d',
  stall: '1d',
  escalation: '1d',
  check_in: '2d',
  survey_follow_up: '2d',
};

/** Lead defaults when the input names none. */
export const DEFAULT_LEAD = {
  timezone: 'UTC',
  locale: 'en' as 'en' | 'fa',
  currency: 'USD',
  team: 'default',
};

/** How many history entries the workflow keeps in its state before trimming the oldest into an archive count. */
export const HISTORY_KEEP = 500;
