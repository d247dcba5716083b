/**
 * The lead's shapes (README "HTTP API"). Plain JSON only: this state is the continue-as-new input and a
 * query result, so no Map, Set, Date or class instance may appear in it.
 */
import type { ActivityType, Stage, Status } from '../config/defaults';

/** A lead as it enters the workflow: validated and normalised by the client (client/leads.ts). */
export interface LeadInput {
  id: string;
  email: string;
  name?: string;
  company?: string;
  title?: string;
  phone?: string;
  owner: string;
  team: string;
  source?: string;
  timezone: string;
  locale: 'en' | 'fa';
  value: number;
  currency: string;
  tags: string[];
  campaign?: string;
  cadence?: string;
  /** a stage to start in other than prospecting (imports of deals already in flight) */
  stage?: Exclude<Stage, 'follow_up'>;
  /** the closed lead of the same person this new deal follows (set when it starts; README "One lead per person") */
  previousLeadId?: string;
}

type HistoryType =
  | 'created'
  | 'stage_changed'
  | 'activity_logged'
  | 'customer_replied'
  | 'task_created'
  | 'task_completed'
  | 'task_cancelled'
  | 'reassigned'
  | 'won'
  | 'lost'
  | 'disqualified'
  | 'automation'
  | 'automation_failed'
  | 'escalation'
  | 'email_sent'
  | 'email_skipped'
  | 'config_applied'
  | 'continued_as_new'
  | 'completed';

export interface HistoryEntry {
  at: string;
  type: HistoryType;
  from?: string;
  to?: string;
  actor: string;
  cause: string;
  /** small structured extras (task id, activity type, threshold version, …) */
  data?: Record<string, string | number | boolean | null>;
}

export interface TaskRef {
  id: string;
  kind: string;
  assignee: string;
  dueAt: string;
  /** set once the lead knows the task is no longer open (workflows/tasks.ts); absent while open */
  closed?: 'done' | 'cancelled' | 'missing';
}

interface EmailRef {
  step: string;
  template: string;
  messageId: string;
  sentAt: string;
  /** when the automation planned it (business hours applied) */
  plannedAt?: string;
}

export interface Qualification {
  budget?: boolean;
  authority?: boolean;
  need?: boolean;
  timeline?: boolean;
}

/** Settings from the deployment's config, handed to each lead at start (workflows never read env). */
export interface LeadSettings {
  /** first wait before retrying an unavailable enrichment provider; doubles up to 6h */
  enrichmentRetry?: string;
  /** how long a proposal is valid */
  proposalValidity?: string;
  /** how long before expiry the proposal reminder goes out */
  proposalReminderBefore?: string;
}

export interface LeadState {
  id: string;
  email: string;
  /** the closed lead of the same person this deal follows (a returning customer) */
  previousLeadId?: string;
  /** set once the address index has recorded this deal as closed */
  addressIndexedClosed?: boolean;
  name?: string;
  company?: string;
  title?: string;
  phone?: string;
  owner: string;
  team: string;
  source?: string;
  tags: string[];
  campaign?: string;
  cadence?: string;
  locale: 'en' | 'fa';
  timezone: string;
  value: number;
  currency: string;
  stage: Stage;
  status: Status;
  score: number | null;
  scoreReasons: string[];
  enrichment: Record<string, unknown> | null;
  /** pending → ok | not_found | not_configured; `gap` while the provider is unavailable (retried) */
  enrichmentStatus?: 'pending' | 'ok' | 'not_found' | 'not_configured' | 'gap';
  qualification?: Qualification;
  /** the satisfaction survey after the sale */
  survey?: {
    sentAt?: string;
    reminderAt?: string;
    answer?: SurveyAnswer;
    outcome?: 'answered' | 'no_response';
    followUpVersion?: number;
  };
  /** why the lead gets no more email (unsubscribed, bounced) */
  suppressed?: string;
  history: HistoryEntry[];
  /** how many older history entries were trimmed out of the state (they remain in Temporal's event history) */
  historyTrimmed: number;
  /**
   * How many of the lead's timeline entries are stored durably outside the state (seq below it;
   * workflows/timeline.ts). Unset in a run that does not keep the durable timeline.
   */
  timelineStored?: number;
  createdAt: string;
  lastActivityAt: string;
  lastReplyAt?: string;
  stageEnteredAt: string;
  /** increases on every stage entry; part of every deterministic task id and idempotency key */
  stageEntry: number;
  escalation: { level: number; since: string | null; thresholdVersion: number | null; nextAt?: string | null };
  /** bumped by every activity; resets the stall ladder */
  activitySeq: number;
  /** the stall thresholds this lead acts on (the newest version it has seen) */
  thresholds: import('./policy/thresholds').ThresholdsDoc | null;
  /** the next scheduled action; `at` is null while it waits on something else (a paused campaign) */
  next: { kind: string; at: string | null } | null;
  tasks: TaskRef[];
  emails: EmailRef[];
  /**
   * The stage-entry automation steps already done, by stage entry (survives continue-as-new, so a
   * step that ran is not run again). A run from before kept them in `done`; it is read once, when
   * the state is carried over (workflows/lead/state.ts).
   */
  steps: Record<string, string[]>;
  /** @deprecated `"<entry>:<step>"` strings of a run from before `steps`; only ever read when carried over */
  done?: string[];
  /**
   * Stage entries whose entry automation has not finished yet, oldest first, each with the note
   * given with the move (null when none; absent in entries queued by a run from before it was kept).
   */
  pending: PendingEntry[];
  /** the newest state of the lead's campaign it has seen (pause holds cadence emails) */
  campaignControl?: CampaignControl;
  wonAmount?: number;
  lostReason?: string;
  closedAt?: string;
  runs: number;
  /** every stage stay, oldest first (the facts' funnel data); absent in leads started before it was kept */
  visits?: StageVisit[];
  /** the seq of the last facts snapshot written (workflows/facts.ts); carried across continue-as-new */
  factsSeq?: number;
}

/** A stage entry waiting for (or running) its entry automation. */
export interface PendingEntry {
  entry: number;
  stage: Stage;
  /** the note given with the move into the stage (the objections stage's notes) */
  note?: string | null;
}

export interface LeadWorkflowInput {
  lead: LeadInput;
  /** present when continuing as new */
  state?: LeadState;
  /** the actor and cause of creation, for the first history entry */
  createdBy?: { actor: string; cause: string };
  settings?: LeadSettings;
}

export interface MoveStageRequest {
  /** the caller's role and scope, checked by the validator (API calls); absent for operator tools */
  access?: import('./policy/access').Access;
  to: string;
  note?: string;
  actor: string;
}
export interface LogActivityRequest {
  /** the caller's role and scope, checked by the validator (API calls); absent for operator tools */
  access?: import('./policy/access').Access;
  type: ActivityType;
  note?: string;
  actor: string;
}
export interface WonRequest {
  /** the caller's role and scope, checked by the validator (API calls); absent for operator tools */
  access?: import('./policy/access').Access;
  amount?: number;
  actor: string;
  note?: string;
}
export interface LostRequest {
  /** the caller's role and scope, checked by the validator (API calls); absent for operator tools */
  access?: import('./policy/access').Access;
  reason: string;
  actor: string;
}
export interface RepliedSignal {
  actor: string;
  via: 'api' | 'inbound_email' | 'unsubscribe';
  note?: string;
}
export interface SurveyAnswer {
  score: number;
  comment?: string;
  at: string;
}
export interface UnsubscribedSignal {
  email: string;
  reason: 'unsubscribed' | 'bounced' | 'complained';
}
export interface QualifyRequest extends Qualification {
  access?: import('./policy/access').Access;
  actor: string;
}
export interface TaskCompletedSignal {
  taskId: string;
  actor: string;
}
/** A rep claims a task of the lead from the team queue: the lead is handed to them (workflows/tasks.ts). */
export interface ClaimTaskRequest {
  taskId: string;
  /** the rep who takes the task and the lead */
  rep: string;
  actor: string;
  access?: import('./policy/access').Access;
}

export type CampaignState = 'active' | 'paused' | 'cancelled';

/** A campaign's state as a lead sees it; a higher version is newer (pushed by signal or read before a send). */
export interface CampaignControl {
  campaign: string;
  state: CampaignState;
  version: number;
}

/** An enrolment of a lead that already runs (a bulk import or campaign naming it again). */
export interface EnrolledSignal {
  campaign?: string;
  cadence?: string;
  batchId?: string;
  actor: string;
}

export interface LeadSummary {
  id: string;
  stage: Stage;
  status: Status;
  owner: string;
  lastActivityAt: string;
}

/** One stay in a stage: `leftAt` is null while the lead is still there. */
export interface StageVisit {
  stage: Stage;
  enteredAt: string;
  leftAt: string | null;
}
