/**
 * Lead facts: the compact record of a lead that every metric is computed from (pipeline, funnel,
 * forecast, segments, goals, the `/metrics` gauges). The lead workflow derives it from its own state
 * with these pure functions and writes it through the `recordLeadFacts` activity, so the metrics
 * can never disagree with the workflows about what a lead is. Pure: no Temporal import.
 */
import { STAGES, type Stage, type Status } from '../../config/defaults';
import type { HistoryEntry, StageVisit } from '../types';

/** How many visits the state keeps (the oldest are dropped past it; a lead rarely has more than 10). */
const VISITS_KEEP = 100;

/** A company's size in employees, bucketed. */
export type SizeBucket = '1-10' | '11-50' | '51-200' | '201-1000' | '1000+' | 'unknown';

export interface LeadFacts {
  id: string;
  /** increases with every write from the lead; a write with a lower or equal seq is ignored */
  seq: number;
  team: string;
  owner: string;
  source: string | null;
  industry: string;
  size: SizeBucket;
  campaign: string | null;
  value: number;
  currency: string;
  stage: Stage;
  status: Status;
  escalationLevel: number;
  createdAt: string;
  /** when the deal was won, lost or disqualified (a won deal keeps its win time after `completed`) */
  closedAt: string | null;
  /** when the follow-up ended (status `completed`) */
  completedAt: string | null;
  wonAmount: number | null;
  /** the first email sent to the lead: the lead counts as contacted from then on */
  firstEmailAt: string | null;
  emailsSent: number;
  visits: StageVisit[];
}

/** The parts of LeadState the facts are made of (kept structural so this file needs no workflow types). */
export interface FactsSource {
  id: string;
  team: string;
  owner: string;
  source?: string;
  campaign?: string;
  value: number;
  currency: string;
  stage: Stage;
  status: Status;
  escalation: { level: number };
  enrichment: Record<string, unknown> | null;
  createdAt: string;
  closedAt?: string;
  wonAmount?: number;
  emails: { sentAt: string }[];
  history: HistoryEntry[];
  visits?: StageVisit[];
}

/** Company size bucket from the enrichment profile's employee count. */
export function sizeBucket(employees: unknown): SizeBucket {
  if (typeof employees !== 'number' || !Number.isFinite(employees) || employees < 1) return 'unknown';
  if (employees <= 10) return '1-10';
  if (employees <= 50) return '11-50';
  if (employees <= 200) return '51-200';
  if (employees <= 1000) return '201-1000';
  return '1000+';
}

function company(s: FactsSource): Record<string, unknown> {
  const c = s.enrichment?.company;
  return c && typeof c === 'object' ? (c as Record<string, unknown>) : {};
}

/** Industry as a segment name: trimmed, lower-cased, `unknown` when the profile has none. */
function industryOf(s: FactsSource): string {
  const v = company(s).industry;
  return typeof v === 'string' && v.trim() ? v.trim().toLowerCase().slice(0, 100) : 'unknown';
}

/** Appends a stage visit (closing the open one) and trims the list. */
export function enterVisit(visits: StageVisit[], stage: Stage, at: string): void {
  closeVisit(visits, at);
  visits.push({ stage, enteredAt: at, leftAt: null });
  if (visits.length > VISITS_KEEP) visits.splice(0, visits.length - VISITS_KEEP);
}

/** Ends the open visit (a lost, disqualified or completed lead is in no stage any more). */
function closeVisit(visits: StageVisit[], at: string): void {
  const last = visits[visits.length - 1];
  if (last && last.leftAt === null) last.leftAt = at;
}

/**
 * Visits rebuilt from the history, for a lead that started before visits were kept in its state.
 * Best effort: a history trimmed past HISTORY_KEEP starts at the oldest entry it still has.
 */
export function visitsFromHistory(s: FactsSource): StageVisit[] {
  const visits: StageVisit[] = [];
  for (const h of s.history) {
    if (h.type === 'created' && (STAGES as readonly string[]).includes(h.to ?? ''))
      enterVisit(visits, h.to as Stage, h.at);
    else if (h.type === 'stage_changed' && (STAGES as readonly string[]).includes(h.to ?? ''))
      enterVisit(visits, h.to as Stage, h.at);
    else if (h.type === 'lost' || h.type === 'disqualified' || h.type === 'completed') closeVisit(visits, h.at);
  }
  if (!visits.length) visits.push({ stage: s.stage, enteredAt: s.createdAt, leftAt: null });
  return visits;
}

const ended = (s: FactsSource): boolean =>
  s.status === 'lost' || s.status === 'disqualified' || s.status === 'completed';

/** A copy of the visits with the last one ended when the lead is (lost, disqualified, completed). */
function closedVisits(visits: StageVisit[], at: string | null): StageVisit[] {
  const copy = visits.map((v) => ({ ...v }));
  if (at) closeVisit(copy, at);
  return copy;
}

/** The lead's facts at this moment. */
export function leadFacts(s: FactsSource, seq: number): LeadFacts {
  const visits = s.visits ?? visitsFromHistory(s);
  const won = s.status === 'won' || s.status === 'completed';
  const wonVisit = won ? visits.find((v) => v.stage === 'follow_up') : undefined;
  const firstEmailAt = s.emails.reduce<string | null>(
    (min, e) => (min === null || e.sentAt < min ? e.sentAt : min),
    null,
  );
  const employees = company(s).employees;
  return {
    id: s.id,
    seq,
    team: s.team,
    owner: s.owner,
    source: s.source ?? null,
    industry: industryOf(s),
    size: sizeBucket(employees),
    campaign: s.campaign ?? null,
    value: s.value,
    currency: s.currency,
    stage: s.stage,
    status: s.status,
    escalationLevel: s.escalation.level,
    createdAt: s.createdAt,
    closedAt: won ? (wonVisit?.enteredAt ?? s.closedAt ?? null) : (s.closedAt ?? null),
    completedAt: s.status === 'completed' ? (s.closedAt ?? null) : null,
    wonAmount: won ? (s.wonAmount ?? s.value) : null,
    firstEmailAt,
    emailsSent: s.emails.length,
    visits: ended(s) ? closedVisits(visits, s.closedAt ?? null) : visits.map((v) => ({ ...v })),
  };
}

/** A cheap signature of everything the facts depend on: the facts sync writes when it changes. */
export function factsSignature(s: FactsSource): string {
  const c = company(s);
  const v = s.visits;
  const last = v?.[v.length - 1];
  return [
    s.stage,
    s.status,
    s.escalation.level,
    s.value,
    s.owner,
    s.team,
    s.currency,
    s.campaign ?? '',
    s.source ?? '',
    String(c.industry ?? ''),
    String(c.employees ?? ''),
    s.emails.length,
    s.closedAt ?? '',
    s.wonAmount ?? '',
    v?.length ?? -1,
    last?.leftAt ?? '',
  ].join('|');
}
