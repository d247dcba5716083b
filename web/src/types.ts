/** The API's shapes the page reads (README "HTTP API"). Only the fields the page uses. */
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
export const OPEN_STAGES = STAGES.slice(0, 6) as readonly Exclude<Stage, 'follow_up'>[];
export type OpenStage = (typeof OPEN_STAGES)[number];
type Role = 'admin' | 'marketing' | 'manager' | 'rep';

export interface Me {
  role: Role;
  /** team for a manager, rep id for a rep */
  scope: string | null;
  actor: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface LeadListItem {
  id: string;
  stage: Stage | null;
  status: string | null;
  owner: string | null;
  team: string | null;
  escalationLevel: number;
  value: number | null;
  /** ISO 4217 (null for leads listed before it was kept in the memo) */
  currency?: string | null;
  name?: string | null;
  company?: string | null;
}

interface HistoryEntry {
  at: string;
  type: string;
  from?: string;
  to?: string;
  actor: string;
  cause: string;
}

export interface Task {
  id: string;
  leadId: string;
  assignee: string;
  team?: string;
  kind: string;
  title: string;
  details?: string;
  dueAt?: string;
  priority?: string;
  status?: string;
}

export interface LeadState {
  id: string;
  email: string;
  name?: string;
  company?: string;
  owner: string;
  team: string;
  value?: number;
  currency?: string;
  stage: Stage;
  status: string;
  score?: number;
  history: HistoryEntry[];
  lastActivityAt?: string;
  escalation?: { level: number; since?: string | null; thresholdVersion?: number };
  next?: { kind: string; at: string } | null;
  tasks: Task[];
  emails: { step: string; template: string; messageId?: string; sentAt?: string }[];
}

export interface ThresholdsDoc {
  version: number;
  updatedAt?: string | null;
  updatedBy?: string | null;
  global: Record<OpenStage, string>;
  teams: Record<string, Partial<Record<OpenStage, string>>>;
  escalation: { multipliers: number[]; autoReassign: boolean };
}

/** An amount in major units of one ISO 4217 currency; a sum of money is a list of these, one per currency. */
export interface Money {
  currency: string;
  amount: number;
}

/** A total converted into the rates' base currency; amount null when a currency has no rate. */
export interface Converted {
  currency: string;
  amount: number | null;
  ratesVersion: number;
  missingRates: string[];
}

export interface Pipeline {
  stages: { stage: Stage; count: number; values: Money[]; converted?: Converted; stalled: number; atRisk: number }[];
}

export interface Funnel {
  from: string;
  to: string;
  stages: {
    stage: Stage;
    entered: number;
    advanced: number;
    conversion: number;
    medianTimeInStageHours: number | null;
  }[];
  won: number;
  lost: number;
  winRate: number;
  medianCycleDays: number | null;
}

export interface Forecast {
  totals: Money[];
  weightedTotals: Money[];
  converted?: Converted;
  weightedConverted?: Converted;
  byStage: { stage: Stage; probability: number; values: Money[]; weightedValues: Money[] }[];
}

export interface Goals {
  version: number;
  goals: {
    team: string;
    period: string;
    metric: string;
    target: number;
    actual: number;
    progress: number;
    currency?: string;
    wonInOtherCurrencies?: Money[];
  }[];
}

export interface Roster {
  teams: Record<string, { name?: string; manager?: { id: string }; reps: { id: string; name?: string }[] }>;
}

/** What a role may do, as the API decides it (client/api/auth.ts); the page offers only these. */
export const can = {
  moveLead: (me: Me, lead: { owner: string | null; team: string | null }): boolean =>
    me.role === 'admin' ||
    (me.role === 'manager' && lead.team === me.scope) ||
    (me.role === 'rep' && lead.owner === me.scope),
  editThresholds: (me: Me): boolean => me.role === 'admin' || me.role === 'manager',
  seeTasks: (me: Me): boolean => me.role !== 'marketing',
  completeTask: (me: Me, t: Task): boolean =>
    me.role === 'admin' ||
    (me.role === 'rep' && t.assignee === me.scope) ||
    (me.role === 'manager' && t.team === me.scope),
  seeCharts: (me: Me): boolean => me.role !== 'rep',
};
